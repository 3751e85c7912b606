"""The /servers resource (seed 3.1–3.2): ServersController."""

from oslo_config import cfg
from oslo_utils import uuidutils
from stevedore import extension

from novalite.api.openstack import common
from novalite.api.openstack.compute.schemas import parameter_types as pt
from novalite.api.openstack.compute.schemas import servers as schema_servers
from novalite.api.openstack.compute import server_search
from novalite.api.openstack.compute.views import servers as views_servers
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.api import validation
from novalite.compute import api as compute_api
from novalite.compute import flavors as compute_flavors
from novalite import exception
from novalite import policy

CONF = cfg.CONF


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


# create fields of microversions after 2.1, which v2.0 does not know
LATER_FIELDS = frozenset(('description', 'tags', 'trusted_image_certificates', 'hostname',
                          'host', 'hypervisor_hostname'))


def _get_requested_networks(requested):
    """Nova's _get_requested_networks: "none", "auto", or a list of
    {network_id, address, port_id, tag} (an empty list: no network named)."""
    if isinstance(requested, str):
        return requested
    networks, ports = [], []
    for network in requested:
        try:
            request = {'address': network.get('fixed_ip'), 'port_id': network.get('port'),
                       'tag': network.get('tag'), 'network_id': None}
            if request['port_id']:
                if request['port_id'] in ports:
                    raise faults.Fault(400, "Port ID '%s' was specified twice: you cannot "
                                            "attach a port multiple times."
                                       % request['port_id'])
                if request['address'] is not None:
                    raise faults.Fault(400, "Specified Fixed IP '%s' cannot be used with "
                                            "port '%s': the two cannot be specified "
                                            "together." % (request['address'],
                                                           request['port_id']))
                ports.append(request['port_id'])
            else:
                request['network_id'] = network['uuid']
                if not uuidutils.is_uuid_like(request['network_id']):
                    raise faults.Fault(400, 'Bad networks format: network uuid is not in '
                                            'proper format (%s)' % request['network_id'])
            networks.append(request)
        except KeyError as key:
            raise faults.Fault(400, 'Bad network format: missing %s' % key)
        except (TypeError, AttributeError):
            raise faults.Fault(400, 'Bad networks format')
    return networks


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
        query = _query(req)
        filters = server_search.search_filters(req, {
            k: [x for x in v if x] or None if k in server_search.MULTI_VALUED else v[-1]
            for k, v in query.items()})
        limit = common.parse_limit(req.GET.get('limit'))
        sort_keys, sort_dirs = _sort_params(req, query)
        instances = self.compute_api.get_all(ctx, filters, limit=limit,
                                             marker=query.get('marker', [None])[-1],
                                             sort_keys=sort_keys, sort_dirs=sort_dirs)
        if detailed:
            # a fault is shown for ERROR and DELETED servers only
            fault_map = self.compute_api.get_instance_faults(ctx, [
                i for i in instances if views_servers.shows_fault(i)])
            admin = self._can_see_extended_attributes(ctx)
            host_status = self._host_status_getter(req)

            def view(i):
                return views_servers.show(req, i, fault_map.get(i.uuid), admin,
                                          host_status(i))
        else:
            def view(i):
                return views_servers.basic(req, i)
        # each instance is let go once viewed: a page of 2,000 servers is not
        # held twice, as instances and as views
        instances.reverse()
        servers = []
        while instances:
            servers.append(view(instances.pop()))
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
        fault = self.compute_api.get_instance_faults(req.context, [instance]).get(instance.uuid)
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
        if req.is_legacy_v2:
            # the relaxed v2.0 schema lets later microversions' fields through
            # unvalidated: Nova's legacy mode ignores them
            server_dict = {k: v for k, v in server_dict.items() if k not in LATER_FIELDS}
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

        # as Nova's _image_from_req_data: no imageRef is fine when a block
        # device mapping names the boot disk's image
        image_href = server_dict.get('imageRef')
        if not image_href and not create_kwargs.get('block_device_mapping'):
            raise faults.Fault(400, 'Missing imageRef attribute')
        flavor_id = str(server_dict['flavorRef']).rstrip('/').rsplit('/', 1)[-1]

        networks = _get_requested_networks(server_dict.get('networks', []))
        password = None
        if CONF.api.enable_instance_password:
            password = server_dict.get('adminPass') or compute_api.generate_password()
        return_reservation_id = pt.is_true(server_dict.get('return_reservation_id', False))
        if 'OS-DCF:diskConfig' in server_dict:
            create_kwargs['auto_disk_config'] = server_dict['OS-DCF:diskConfig'] == 'AUTO'

        # as Nova: what the request names but does not exist is a bad request
        try:
            flavor = compute_flavors.get_flavor_by_flavor_id(flavor_id, ctx)
            instances, resv_id = self.compute_api.create(
                ctx, flavor, image_href, display_name=name,
                metadata=server_dict.get('metadata'), requested_networks=networks,
                admin_password=password, access_ip_v4=server_dict.get('accessIPv4'),
                access_ip_v6=server_dict.get('accessIPv6'), **create_kwargs)
        except exception.ImageNotFound:
            raise faults.Fault(400, 'Can not find requested image')
        except (exception.FlavorNotFound, exception.ComputeHostNotFound,
                exception.PortNotFound, exception.NetworkNotFound) as error:
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
