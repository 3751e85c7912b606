"""/flavors/{flavor_id}/os-extra_specs[/{id}]: read for anyone who can see
the flavor, write for admins."""
from novalite.api.openstack.compute import flavors
from novalite.api.openstack.compute.schemas import flavors_extraspecs as schema
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.api import validation
from novalite.compute import flavors as compute_flavors
from novalite import exception
from novalite import policy

POLICY = 'os_compute_api:os-flavor-extra-specs:%s'


def _check_values(specs):
    """Numbers are allowed but, as strings, are limited to 255 characters too."""
    for key, value in specs.items():
        if isinstance(value, (int, float)) and len(str(value)) > 255:
            raise faults.Fault(400, 'extra_specs value has more than 255 characters.')


class FlavorExtraSpecsController:
    @wsgi.expected_errors(404)
    def index(self, req, flavor_id):
        policy.authorize(req.context, POLICY % 'index')
        return {'extra_specs': flavors.get_flavor(req, flavor_id)['extra_specs']}

    @wsgi.expected_errors(404)
    def show(self, req, flavor_id, id):
        policy.authorize(req.context, POLICY % 'show')
        specs = flavors.get_flavor(req, flavor_id)['extra_specs']
        if id not in specs:
            raise exception.FlavorExtraSpecsNotFound(flavor_id=flavor_id, key=id)
        return {id: specs[id]}

    @wsgi.expected_errors((400, 404, 409))
    @validation.schema(schema.create)
    def create(self, req, flavor_id, body):
        policy.authorize(req.context, POLICY % 'create', target={})
        _check_values(body['extra_specs'])
        compute_flavors.update_extra_specs(flavor_id, body['extra_specs'])
        return body

    @wsgi.expected_errors((400, 404, 409))
    @validation.schema(schema.update)
    def update(self, req, flavor_id, id, body):
        policy.authorize(req.context, POLICY % 'update', target={})
        _check_values(body)
        if id not in body:
            raise faults.Fault(400, 'Request body and URI mismatch')
        compute_flavors.update_extra_specs(flavor_id, body)
        return body

    @wsgi.expected_errors(404)
    def delete(self, req, flavor_id, id):
        policy.authorize(req.context, POLICY % 'delete', target={})
        compute_flavors.delete_extra_spec(flavor_id, id)
