"""Admin side of /flavors: create (POST), update the description (PUT,
2.55+) and delete (DELETE)."""
import uuid

from novalite.api.openstack.compute.schemas import flavor_manage as schema
from novalite.api.openstack.compute.schemas import parameter_types
from novalite.api.openstack.compute.views import flavors as views_flavors
from novalite.api.openstack import wsgi
from novalite.api import validation
from novalite.compute import flavors as compute_flavors
from novalite import exception
from novalite import policy

POLICY = 'os_compute_api:os-flavor-manage:%s'


class FlavorManageController:
    @wsgi.expected_errors((400, 409))
    @validation.schema(schema.create_v20, '2.0', '2.0')
    @validation.schema(schema.create, '2.1', '2.54')
    @validation.schema(schema.create_v255, '2.55')
    def create(self, req, body):
        policy.authorize(req.context, POLICY % 'create', target={})
        vals = body['flavor']
        values = {
            'name': vals['name'].strip(),
            'flavorid': vals.get('id') or str(uuid.uuid4()),
            'memory_mb': int(vals['ram']), 'vcpus': int(vals['vcpus']),
            'root_gb': int(vals['disk']),
            'ephemeral_gb': int(vals.get('OS-FLV-EXT-DATA:ephemeral', 0)),
            'swap': int(vals.get('swap', 0)),
            'rxtx_factor': float(vals.get('rxtx_factor', 1.0)),
            'is_public': parameter_types.is_true(vals.get('os-flavor-access:is_public', True)),
            'description': vals.get('description'),
        }
        flavor = compute_flavors.create(values)
        return {'flavor': views_flavors.show(req, flavor)}

    @wsgi.expected_errors((400, 404))
    @validation.schema(schema.update_v255, '2.55')
    def update(self, req, id, body):
        if not req.is_at_least('2.55'):
            raise exception.VersionNotFoundForAPIMethod(version=req.api_version_request)
        policy.authorize(req.context, POLICY % 'update', target={})
        flavor = compute_flavors.update_description(id, body['flavor']['description'])
        return {'flavor': views_flavors.show(req, flavor)}

    @wsgi.response(202)
    @wsgi.expected_errors(404)
    def delete(self, req, id):
        policy.authorize(req.context, POLICY % 'delete', target={})
        compute_flavors.destroy(id)
