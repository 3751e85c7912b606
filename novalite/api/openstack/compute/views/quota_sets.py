"""quota_set bodies per microversion: the nova-network keys (always -1)
until 2.35, the injected-file keys until 2.56."""
from novalite import quota


def _resources(req):
    names = list(quota.RESOURCES)
    if not req.is_at_least('2.36'):
        names += quota.NETWORK_RESOURCES
    if req.is_at_least('2.57'):
        names = [n for n in names if n not in quota.INJECTED_FILE_RESOURCES]
    return names


def quota_set(req, project_id, limits):
    """{"quota_set": {resource: limit}}, with ``id`` when project_id is given."""
    out = {r: limits.get(r, -1) for r in _resources(req)}
    if project_id is not None:
        out['id'] = project_id
    return {'quota_set': out}


def detail(req, project_id, limits, usage):
    out = {r: {'limit': limits.get(r, -1), 'in_use': usage.get(r, 0), 'reserved': 0}
           for r in _resources(req)}
    out['id'] = project_id
    return {'quota_set': out}
