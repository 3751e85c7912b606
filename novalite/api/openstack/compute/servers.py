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


# Filters a non-admin may use; everything else is dropped (Nova's
# _get_server_search_options), by version.
_USER_FILTERS = ('reservation_id', 'name', 'status', 'image', 'flavor', 'ip',
                 'changes-since', 'all_tenants')
_USER_FILTERS_BY_VERSION = (('2.5', ('ip6',)),
                            ('2.26', ('tags', 'tags-any', 'not-tags', 'not-tags-any')),
                            ('2.66', ('changes-before',)), ('2.73', ('locked',)))


def _versioned_schemas(table):
    """Register each (schema, min, max) of ``table`` on a handler."""
    def decorator(func):
        for body_schema, lo, hi in table:
            func = validation.schema(body_schema, lo, hi)(func)
        return func
    return decorator


def _query(req):
    """The query string as {name: [values]} after the version's query schema."""
    params = {k: req.GET.getall(k) for k in req.GET.keys()}
    for schema, lo, hi in schema_servers.QUERY_SCHEMAS:
        if req.api_version_request.matches(lo, hi):
            validation.validate(schema, params)
    return params


def _sort_params(req, params):
    """(sort_keys, sort_dirs) with the ignored keys (and their directions) dropped;
    sorting by host or node is for admins only."""
    keys = [k.strip() for k in params.get('sort_key', [])] or ['created_at']
    dirs = [d.strip() for d in params.get('sort_dir', [])] or ['desc']
    ignored = set(schema_servers.IGNORED_SORT_KEYS)
    if not req.is_at_least('2.73'):
        ignored.add('locked')
    for i in reversed(range(len(keys))):
        if keys[i] in ignored:
            del keys[i]
            if i < len(dirs):
                del dirs[i]
    admin_only = [k for k in keys if k in ('host', 'node')]
    if admin_only and not req.context.is_admin:
        raise faults.Fault(403, 'Only administrators can sort servers by %s'
                                % ' or '.join(admin_only))
    return keys, dirs


class ServersController:
    EXTENSION_CREATE_NAMESPACE = 'novalite.api.v21.extensions.server.create'

    def __init__(self):
        self.compute_api = compute_api.API()
        self.create_extensions = [e.plugin for e in extension.ExtensionManager(
            self.EXTENSION_CREATE_NAMESPACE, invoke_on_load=False)]

    # -- read --------------------------------------------------------------------
    def _get_server(self, req, server_id):
        return self.compute_api.get(req.context, server_id)

    def _search_options(self, req, query):
        """The filters of a list request, as instance_get_all_by_filters wants them."""
        ctx = req.context
        params = {k: v[-1] for k, v in query.items()}
        if not ctx.is_admin:
            allowed = set(_USER_FILTERS)
            for version, names in _USER_FILTERS_BY_VERSION:
                if req.is_at_least(version):
                    allowed.update(names)
            params = {k: v for k, v in params.items()
                      if k in allowed or k in ('limit', 'marker', 'sort_key', 'sort_dir')}
        filters = {}
        all_tenants = 'all_tenants' in params and _all_tenants(params['all_tenants'])
        if all_tenants:
            policy.authorize(ctx, 'os_compute_api:servers:%s:get_all_tenants'
                             % ('detail' if req.path.endswith('/detail') else 'index'))
            project = params.get('project_id') or params.get('tenant_id')
            if project:
                filters['project_id'] = project
        else:
            filters['project_id'] = ctx.project_id
        if params.get('reservation_id'):
            filters['reservation_id'] = params['reservation_id']
        image = params.get('image') or params.get('image_ref')
        if image:
            filters['image_ref'] = image.rstrip('/').rsplit('/', 1)[-1]
        if params.get('flavor'):
            filters['flavorid'] = params['flavor'].rstrip('/').rsplit('/', 1)[-1]
        if params.get('status'):
            states = common.STATUS_TO_VM_STATES.get(params['status'].upper())
            if states is None:
                if req.is_at_least('2.38'):
                    raise faults.Fault(400, 'Invalid status value')
                return None         # below 2.38 an unknown status matches nothing
            filters['vm_state'] = states
        for param, key in (('changes-since', 'changes_since'),
                           ('changes-before', 'changes_before')):
            if params.get(param) and (param == 'changes-since' or req.is_at_least('2.66')):
                filters[key] = common.parse_time(params[param], param)
                filters['include_deleted'] = True
        if (filters.get('changes_since') and filters.get('changes_before') and
                filters['changes_since'] > filters['changes_before']):
            raise faults.Fault(400, 'The value of changes-since must be less than or '
                                    'equal to changes-before.')
        if _true(params.get('deleted')):
            filters.update(include_deleted=True, only_deleted=True)
        for key in ('host', 'node', 'hostname', 'key_name', 'uuid', 'user_id'):
            if params.get(key):
                filters[key] = params[key]
        if params.get('name') or params.get('display_name'):
            pattern = params.get('name') or params.get('display_name')
            try:
                filters['name_regex'] = re.compile(pattern)
            except re.error:
                raise faults.Fault(400, 'Invalid name filter')
        for key in ('ip', 'ip6'):
            if params.get(key):
                try:
                    filters[key + '_regex'] = re.compile(params[key])
                except re.error:
                    raise faults.Fault(400, 'Invalid %s filter' % key)
        if req.is_at_least('2.26'):
            for key in ('tags', 'tags-any', 'not-tags', 'not-tags-any'):
                if params.get(key):
                    filters[key.replace('-', '_')] = params[key].split(',')
        if 'locked' in params and req.is_at_least('2.73'):
            filters['locked'] = _true(params['locked'])
        return filters, params

    def _list(self, req, detailed):
        ctx = req.context
        policy.authorize(ctx, 'os_compute_api:servers:%s' % ('detail' if detailed else 'index'))
        query = _query(req)
        options = self._search_options(req, query)
        limit = common.parse_limit(req.GET.get('limit'))
        if options is None:
            instances = []
        else:
            filters, params = options
            sort_keys, sort_dirs = _sort_params(req, query)
            instances = self.compute_api.get_all(ctx, filters, limit=limit,
                                                 marker=params.get('marker'),
                                                 sort_keys=sort_keys, sort_dirs=sort_dirs)
        if detailed:
            fault_map = db.instance_fault_get_latest([i.uuid for i in instances])
            admin = self._can_see_extended_attributes(ctx)
            host_status = self._host_status_getter(req)
            servers = [views_servers.show(req, i, fault_map.get(i.uuid), admin,
                                          host_status(i)) for i in instances]
        else:
            servers = [views_servers.basic(req, i) for i in instances]
        return common.add_collection_links(
            {'servers': servers}, 'servers_links', req,
            'servers' + ('/detail' if detailed else ''), servers, limit)

    @staticmethod
    def _can_see_extended_attributes(ctx):
        return policy.authorize(ctx, 'os_compute_api:os-extended-server-attributes',
                                do_raise=False)

    def _host_status_getter(self, req):
        """instance -> host_status, or None when not shown (version, policy)."""
        if not (req.is_at_least('2.16') and policy.authorize(
                req.context, 'os_compute_api:servers:show:host_status', do_raise=False)):
            return lambda instance: None
        services = {}
        return lambda instance: self.compute_api.get_instance_host_status(instance, services)

    def _show_view(self, req, instance, full=True):
        ctx = req.context
        fault = db.instance_fault_get_latest([instance.uuid]).get(instance.uuid)
        admin = full and self._can_see_extended_attributes(ctx)
        host_status = self._host_status_getter(req)(instance) if full else None
        # novalite has no server groups: the 2.71 list is always empty
        return {'server': views_servers.show(req, instance, fault, admin, host_status,
                                             full=full, server_groups=[])}

    @wsgi.expected_errors((400, 403))
    def index(self, req):
        return self._list(req, detailed=False)

    @wsgi.expected_errors((400, 403))
    def detail(self, req):
        return self._list(req, detailed=True)

    @wsgi.expected_errors(404)
    def show(self, req, id):
        policy.authorize(req.context, 'os_compute_api:servers:show')
        return self._show_view(req, self._get_server(req, id))

    # -- update -------------------------------------------------------------------
    @wsgi.expected_errors((400, 404))
    @_versioned_schemas(schema_servers.UPDATE_SCHEMAS)
    def update(self, req, id, body):
        ctx = req.context
        policy.authorize(ctx, 'os_compute_api:servers:update')
        instance = self._get_server(req, id)
        server = body['server']
        updates = {}
        if 'name' in server:
            updates['display_name'] = server['name'].strip() if req.is_legacy_v2 \
                else server['name']
        for key, column in (('description', 'display_description'), ('hostname', 'hostname'),
                            ('accessIPv4', 'access_ip_v4'), ('accessIPv6', 'access_ip_v6')):
            if key in server:
                updates[column] = server[key]
        if 'OS-DCF:diskConfig' in server:
            updates['auto_disk_config'] = server['OS-DCF:diskConfig'] == 'AUTO'
        instance = self.compute_api.update_instance(ctx, instance, updates)
        # from 2.75 PUT answers with the same body as GET
        return self._show_view(req, instance, full=req.is_at_least('2.75'))

    # -- create (seed 3.2) ----------------------------------------------------------
    @wsgi.response(202)
    @wsgi.expected_errors((400, 403, 409))
    @_versioned_schemas(schema_servers.CREATE_SCHEMAS)
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
        if 'host' in server_dict or 'hypervisor_hostname' in server_dict:
            policy.authorize(ctx, 'compute:servers:create:requested_destination')
            create_kwargs['requested_host'] = server_dict.get('host')
            create_kwargs['requested_hypervisor_hostname'] = \
                server_dict.get('hypervisor_hostname')
        for key, kwarg in (('description', 'display_description'), ('tags', 'tags'),
                           ('trusted_image_certificates', 'trusted_certs'),
                           ('hostname', 'hostname')):
            if key in server_dict:
                create_kwargs[kwarg] = server_dict[key]

        image_href = server_dict.get('imageRef') or create_kwargs.pop('bdm_image', None)
        create_kwargs.pop('bdm_image', None)
        if not image_href:
            raise faults.Fault(400, 'Missing imageRef attribute')
        flavor_id = str(server_dict['flavorRef']).rstrip('/').rsplit('/', 1)[-1]

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

        # as Nova: what the request names but does not exist is a bad request
        try:
            flavor = db_catalog.flavor_get_by_flavor_id(
                flavor_id, None if ctx.is_admin else ctx.project_id)
            instances, resv_id = self.compute_api.create(
                ctx, flavor, image_href, display_name=name,
                metadata=server_dict.get('metadata'), requested_networks=networks,
                admin_password=password, access_ip_v4=server_dict.get('accessIPv4'),
                access_ip_v6=server_dict.get('accessIPv6'), **create_kwargs)
        except exception.ImageNotFound:
            raise faults.Fault(400, 'Can not find requested image')
        except (exception.FlavorNotFound, exception.ComputeHostNotFound) as error:
            raise faults.Fault(400, error.format_message())
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
    ACTIONS = {'os-getConsoleOutput': '_action_get_console_output'}

    @wsgi.expected_errors((400, 404, 409))
    def action(self, req, id, body):
        """POST /servers/{id}/action: the body's one key names the action."""
        if not isinstance(body, dict) or len(body) != 1:
            raise faults.Fault(400, 'Malformed request body')
        name = next(iter(body))
        if name not in self.ACTIONS:
            raise faults.Fault(400, 'There is no such action: %s' % name)
        return getattr(self, self.ACTIONS[name])(req, id, body=body)

    @validation.schema(schema_servers.get_console_output)
    def _action_get_console_output(self, req, id, body):
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


def _true(value):
    return str(value).lower() in ('1', 'true', 't', 'yes', 'y', 'on')


def _all_tenants(value):
    """Nova's is_all_tenants: present and empty means yes; otherwise a strict boolean."""
    if value == '':
        return True
    lowered = str(value).strip().lower()
    if lowered in ('1', 't', 'true', 'on', 'y', 'yes'):
        return True
    if lowered in ('0', 'f', 'false', 'off', 'n', 'no'):
        return False
    raise faults.Fault(400, "Invalid value '%s' for all_tenants" % value)

