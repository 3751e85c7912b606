"""The /os-keypairs resource: KeypairController."""
from novalite.api.openstack import common
from novalite.api.openstack.compute.schemas import keypairs as schema
from novalite.api.openstack.compute.views import keypairs as views
from novalite.api.openstack import wsgi
from novalite.api import validation
from novalite.compute import keypairs as keypairs_api
from novalite.policies import keypairs as kp_policies
from novalite import policy


class KeypairController:
    def __init__(self):
        self.api = keypairs_api.KeypairAPI()

    @staticmethod
    def _authorize(req, action, user_id=None):
        """The key pairs' owner (an admin may name another from 2.10)."""
        ctx = req.context
        if user_id is None and req.is_at_least('2.10'):
            user_id = req.GET.get('user_id')
        user_id = user_id or ctx.user_id
        policy.authorize(ctx, kp_policies.POLICY_ROOT % action,
                         {'user_id': user_id, 'project_id': ctx.project_id})
        return user_id

    @wsgi.expected_errors((400, 403, 409))
    @validation.schema(schema.create_v20, '2.0', '2.0')
    @validation.schema(schema.create, '2.1', '2.1')
    @validation.schema(schema.create_v22, '2.2', '2.9')
    @validation.schema(schema.create_v210, '2.10', '2.91')
    @validation.schema(schema.create_v292, '2.92')
    def create(self, req, body):
        params = body['keypair']
        user_id = self._authorize(req, 'create', params.get('user_id'))
        name, key_type = params['name'].strip(), params.get('type', keypairs_api.KEYPAIR_TYPE_SSH)
        private_key = None
        if 'public_key' in params:
            keypair = self.api.import_key_pair(req.context, user_id, name,
                                               params['public_key'], key_type)
        else:
            keypair, private_key = self.api.create_key_pair(req.context, user_id, name,
                                                            key_type)
        return wsgi.ResponseObject({'keypair': views.create(req, keypair, private_key)},
                                   code=201 if req.is_at_least('2.2') else 200)

    @wsgi.expected_errors(400)
    def index(self, req):
        user_id = self._authorize(req, 'index')
        limit = marker = None
        if req.is_at_least('2.35'):
            limit, marker = common.parse_limit(req.GET.get('limit')), req.GET.get('marker')
        keypairs = [views.basic(req, kp) for kp in
                    self.api.get_key_pairs(req.context, user_id, limit=limit, marker=marker)]
        return common.add_collection_links(
            {'keypairs': [{'keypair': kp} for kp in keypairs]}, 'keypairs_links', req,
            'os-keypairs', keypairs, limit, id_key='name')

    @wsgi.expected_errors(404)
    def show(self, req, id):
        user_id = self._authorize(req, 'show')
        return {'keypair': views.show(req, self.api.get_key_pair(req.context, user_id, id))}

    @wsgi.expected_errors(404)
    def delete(self, req, id):
        user_id = self._authorize(req, 'delete')
        self.api.delete_key_pair(req.context, user_id, id)
        return wsgi.ResponseObject(None, code=204 if req.is_at_least('2.2') else 202)
