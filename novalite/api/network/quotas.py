"""/v2.0/quotas (Neutron's quotas and quota-details extensions), read-only.

The embedded network service enforces no quota of its own, so every limit is
-1 (unlimited) — what it reports is true; ``details`` adds what the project
uses.  ``openstack quota show`` reads this beside the compute quotas.  A PUT
is refused with a 400 that says why, rather than storing limits nothing
enforces.
"""
from novalite.api.network import policy
from novalite.db import network as db
from novalite.network import errors

RESOURCES = ('network', 'subnet', 'port', 'router', 'floatingip', 'security_group',
             'security_group_rule', 'rbac_policy', 'subnetpool')


def _limits():
    return {name: -1 for name in RESOURCES}


def _authorize(ctx, project_id):
    if not (ctx.is_admin or policy.is_service(ctx) or ctx.project_id == project_id):
        raise errors.NotAuthorized()


def dispatch(req, project_id, sub):
    """(status, body) for /quotas[/{project_id}[/default|/details]]."""
    ctx = req.environ['novalite.context']
    if project_id is None:
        if req.method != 'GET':
            raise errors.HTTPNotFound()
        if not ctx.is_admin:
            raise errors.NotAuthorized()
        return 200, {'quotas': []}          # no project has limits of its own
    _authorize(ctx, project_id)
    if req.method in ('PUT', 'DELETE') and sub is None:
        if not ctx.is_admin:
            raise errors.NotAuthorized()
        if req.method == 'DELETE':
            return 204, None
        raise errors.HTTPBadRequest(msg='The embedded network service enforces no quotas; '
                                        'network limits cannot be set')
    if req.method != 'GET' or sub not in (None, 'default', 'details'):
        raise errors.HTTPNotFound()
    if sub == 'details':
        used = db.usage_counts(project_id)
        return 200, {'quota': {name: {'limit': -1, 'used': used.get(name, 0), 'reserved': 0}
                               for name in RESOURCES}}
    return 200, {'quota': _limits()}
