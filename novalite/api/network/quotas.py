"""GET /v2.0/quotas/{project_id}: Neutron's quota read, so that
``openstack quota show`` (which asks every service in the catalog) works.
The embedded network service enforces no quota, so each limit is -1
(Neutron's "unlimited")."""
from novalite.network import errors

RESOURCES = ('network', 'subnet', 'port')


def show(req, project_id):
    ctx = req.environ['novalite.context']
    if not (ctx.is_admin or ctx.project_id == project_id):
        raise errors.PolicyNotAuthorized(action='get_quota')
    return 200, {'quota': {name: -1 for name in RESOURCES}}
