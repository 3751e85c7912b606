"""The /servers resource (seed 3.1–3.2): ServersController."""
import re

from oslo_config import cfg
from stevedore import extension

from novalite.api.openstack import common
from novalite.api.openstack.compute.schemas import servers as schema_servers
from novalite.api.openstack.compute.views import servers as views_servers
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.api import validation
from novalite.compute import api as compute_api
from novalite.db import api as db
from novalite.db import catalog as db_catalog
from novalite import exception
from novalite import policy

CONF = cfg.CONF

LIST_PARAMS = ('name', 'status', 'image', 'flavor', 'changes-since', 'reservation_id',
               'limit', 'marker', 'all_tenants', 'deleted', 'sort_key', 'sort_dir',
               'host', 'ip', 'ip6', 'project_id', 'tenant_id')


class ServersController:
    EXTENSION_CREATE_NAMESPACE = 'novalite.api.v21.extensions.server.create'

    def __init__(self):
        self.compute_api = compute_api.API()
        self.create_extensions = [e.plugin for e in extension.ExtensionManager(
            self.EXTENSION_CREATE_NAMESPACE, invoke_on_load=False)]

    # -- read --------------------------------------------------------------------
    def _get_server(self, req, server_id):
        return self.compute_api.get(req.context, server_id)

    def _list(self, req, detailed):
        ctx = req.context
        policy.authorize(ctx, 'os_compute_api:servers:%s' % ('detail' if detailed else 'index'))
        params = req.GET
        filters = {}
        if common_true(params.get('all_tenants')):
            policy.authorize(ctx, 'os_compute_api:servers:%s:get_all_tenants'
                             % ('detail' if detailed else 'index'))
        else:
            filters['project_id'] = ctx.project_id
        if params.get('reservation_id'):
            filters['reservation_id'] = params['reservation_id']
        if params.get('image'):
            filters['image_ref'] = params['image'].rstrip('/').rsplit('/', 1)[-1]
        if params.get('flavor'):
            filters['flavorid'] = params['flavor'].rstrip('/').rsplit('/', 1)[-1]
        if params.get('status'):
            states = common.STATUS_TO_VM_STATES.get(params['status'].upper())
            if states is None:
                raise faults.Fault(400, 'Invalid status value')
            filters['vm_state'] = states
        if params.get('changes-since'):
            filters['changes_since'] = parse_time(params['changes-since'])
            filters['include_deleted'] = True
        if ctx.is_admin and params.get('host'):
            filters['host'] = params['host']
        limit = parse_limit(params.get('limit'))
        name_re = None
        if params.get('name'):
            try:
                name_re = re.compile(params['name'])
            except re.error:
                raise faults.Fault(400, 'Invalid name filter')
        instances = self.compute_api.get_all(ctx, filters, limit=None if name_re else limit,
                                             marker=params.get('marker'))
        if name_re is not None:
            instances = [i for i in instances if name_re.search(i.display_name or '')]
            instances = instances[:limit]
        if detailed:
            fault_map = db.instance_fault_get_latest([i.uuid for i in instances])
            admin = policy.authorize(ctx, 'os_compute_api:os-extended-server-attributes',
                                     do_raise=False)
            servers = [views_servers.show(req, i, fault_map.get(i.uuid), admin)
                       for i in instances]
        else:
            servers = [views_servers.basic(req, i) for i in instances]
        result = {'servers': servers}
        next_links = common.collection_links(req, 'servers' + ('/detail' if detailed else ''),
                                             servers, limit)
        if next_links:
            result['servers_links'] = next_links
        return result

    @wsgi.expected_errors((400, 403))
    def index(self, req):
        return self._list(req, detailed=False)

    @wsgi.expected_errors((400, 403))
    def detail(self, req):
        return self._list(req, detailed=True)

    @wsgi.expected_errors(404)
    def show(self, req, id):
        ctx = req.context
        policy.authorize(ctx, 'os_compute_api:servers:show')
        instance = self._get_server(req, id)
        fault = db.instance_fault_get_latest([instance.uuid]).get(instance.uuid)
        admin = policy.authorize(ctx, 'os_compute_api:os-extended-server-attributes',
                                 do_raise=False)
        return {'server': views_servers.show(req, instance, fault, admin)}

    # -- create (seed 3.2) ----------------------------------------------------------
    @wsgi.response(202)
    @wsgi.expected_errors((400, 403, 409))
    @validation.schema(schema_servers.base_create_v20, '2.0', '2.0')
    @validation.schema(schema_servers.base_create, '2.1')
    def create(self, req, body):
        ctx = req.context
        server_dict = body['server']
        name = server_dict['name']
        if req.is_legacy_v2:
            name = name.strip()
        policy.authorize(ctx, 'os_compute_api:servers:create')

        create_kwargs = {}
        for ext in self.create_extensions:
            ext(server_dict, create_kwargs, body)
        if create_kwargs.get('forced_host') or create_kwargs.get('forced_node'):
            policy.authorize(ctx, 'os_compute_api:servers:create:forced_host')

        image_href = server_dict.get('imageRef') or create_kwargs.pop('bdm_image', None)
        create_kwargs.pop('bdm_image', None)
        if not image_href:
            raise faults.Fault(400, 'Missing imageRef attribute')
        flavor_id = str(server_dict['flavorRef']).rstrip('/').rsplit('/', 1)[-1]
        try:
            flavor = db_catalog.flavor_get_by_flavor_id(
                flavor_id, None if ctx.is_admin else ctx.project_id)
        except exception.FlavorNotFound:
            raise exception.FlavorNotFoundForCreate(flavor_id=flavor_id)

        networks = server_dict.get('networks', 'auto')
        if isinstance(networks, list):
            if not networks:
                networks = 'auto'
            else:
                raise faults.Fault(400, 'Requesting specific networks or ports needs a '
                                        'network service, and novalite has none: use '
                                        '"networks": "auto" or "none".')
        password = None
        if CONF.api.enable_instance_password:
            password = server_dict.get('adminPass') or compute_api.generate_password()
        return_reservation_id = create_kwargs.pop('return_reservation_id', False)
        if 'OS-DCF:diskConfig' in server_dict:
            create_kwargs['auto_disk_config'] = server_dict['OS-DCF:diskConfig'] == 'AUTO'

        instances, resv_id = self.compute_api.create(
            ctx, flavor, image_href, display_name=name,
            metadata=server_dict.get('metadata'), requested_networks=networks,
            admin_password=password, access_ip_v4=server_dict.get('accessIPv4'),
            access_ip_v6=server_dict.get('accessIPv6'), **create_kwargs)
        if return_reservation_id:
            return {'reservation_id': resv_id}
        body = views_servers.create(req, instances[0], password)
        return wsgi.ResponseObject(body, headers={
            'Location': body['server']['links'][0]['href']})

    # -- delete ---------------------------------------------------------------------
    @wsgi.response(204)
    @wsgi.expected_errors((404, 409))
    def delete(self, req, id):
        ctx = req.context
        policy.authorize(ctx, 'os_compute_api:servers:delete')
        instance = self._get_server(req, id)
        self.compute_api.delete(ctx, instance)

    # -- actions ----------------------------------------------------------------
    @wsgi.expected_errors((400, 404, 409))
    @validation.schema(schema_servers.get_console_output)
    def action(self, req, id, body):
        ctx = req.context
        policy.authorize(ctx, 'os_compute_api:os-console-output')
        instance = self._get_server(req, id)
        length = body['os-getConsoleOutput'].get('length')
        length = None if length in (None, -1, '-1') else int(length)
        try:
            output = self.compute_api.get_console_output(ctx, instance, length)
        except exception.InstanceNotFound:
            raise faults.Fault(409, 'Guest does not have a console available.')
        return {'output': output}


def common_true(value):
    return str(value).lower() in ('1', 'true', 't', 'yes', 'y', 'on')


def parse_limit(value):
    max_limit = CONF.api.max_limit
    if value is None:
        return max_limit
    try:
        limit = int(value)
    except ValueError:
        raise faults.Fault(400, 'limit param must be an integer')
    if limit < 0:
        raise faults.Fault(400, 'limit param must be positive')
    return min(limit, max_limit)


def parse_time(value):
    import datetime
    try:
        dt = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    except ValueError:
        raise faults.Fault(400, 'Invalid changes-since value')
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return dt
