"""Flavor access: GET /flavors/{id}/os-flavor-access and the
addTenantAccess / removeTenantAccess actions of POST /flavors/{id}/action."""
from novalite.api.openstack.compute.schemas import flavor_access as schema
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.api import validation
from novalite.compute import flavors as compute_flavors
from novalite import exception
from novalite import policy

POLICY = 'os_compute_api:os-flavor-access'


def _access_list(flavorid):
    return {'flavor_access': [{'flavor_id': flavorid, 'tenant_id': project}
                              for project in compute_flavors.get_projects(flavorid)]}


class FlavorAccessController:
    @wsgi.expected_errors(404)
    def index(self, req, flavor_id):
        policy.authorize(req.context, POLICY, target={})
        flavor = compute_flavors.get_flavor_by_flavor_id(flavor_id)
        if flavor['is_public']:
            raise faults.Fault(404, 'Access list not available for public flavors.')
        return _access_list(flavor_id)


class FlavorActionController:
    """POST /flavors/{id}/action: one handler per action key."""

    @wsgi.expected_errors((400, 403, 404, 409))
    def action(self, req, id, body):
        for key, handler in (('addTenantAccess', self._add_tenant_access),
                             ('removeTenantAccess', self._remove_tenant_access)):
            if isinstance(body, dict) and key in body:
                return handler(req, id, body)
        raise faults.Fault(400, 'There is no such action: %s'
                           % (', '.join(body) if isinstance(body, dict) else body))

    def _add_tenant_access(self, req, flavor_id, body):
        policy.authorize(req.context, POLICY + ':add_tenant_access', target={})
        validation.validate(schema.add_tenant_access, body)
        flavor = compute_flavors.get_flavor_by_flavor_id(flavor_id)
        if flavor['is_public'] and req.is_at_least('2.7'):
            raise exception.FlavorAccessOfPublicFlavor()
        compute_flavors.add_access(flavor_id, body['addTenantAccess']['tenant'])
        return _access_list(flavor_id)

    def _remove_tenant_access(self, req, flavor_id, body):
        policy.authorize(req.context, POLICY + ':remove_tenant_access', target={})
        validation.validate(schema.remove_tenant_access, body)
        compute_flavors.remove_access(flavor_id, body['removeTenantAccess']['tenant'])
        return _access_list(flavor_id)
