"""The Neutron v2.0 REST client (Nova's nova/network/neutron.py, small).

One client for both ends of the create path: novalite-api calls
``validate_networks`` before it writes anything; novalite-compute calls
``allocate_for_instance`` (create or take ports, bind them to its host),
``get_instance_nw_info`` and ``deallocate_for_instance``.  The other end is
the embedded network service at ``/network`` of novalite-api, or a real
Neutron: the compute reaches ports only through this REST API.

As in Nova, lookups and port creation use the caller's own token (a user sees
only what Neutron lets that user see), while binding (``binding:host_id``,
``device_owner``) and unbinding use the admin client from the ``[neutron]``
credentials.  With noauth2 and no ``[neutron] auth_type`` that admin client
carries the noauth2 token ``admin:<project>`` of Nova's service project.
"""
import ipaddress
import logging

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import plugin as ks_plugin
from oslo_config import cfg
from oslo_utils import uuidutils
import requests

from novalite.conf import neutron as conf_neutron
from novalite import exception
from novalite.network import local
from novalite.network import model

CONF = cfg.CONF
conf_neutron.register_keystoneauth_opts(CONF)
LOG = logging.getLogger(__name__)

NEUTRON_GROUP = 'neutron'
# noauth2 (no [neutron] auth_type): the token of the admin client
NOAUTH_SERVICE_PROJECT = 'service'
# Neutron's "unbound": what Nova writes back on a port it gives up
# Nova's unbind; no binding:profile (novalite sets none, and Neutron lets
# only the service role write it)
UNBIND = {'binding:host_id': '', 'device_id': '', 'device_owner': ''}

_SESSION = None
_ADMIN_AUTH = None
_LOCAL_APP = None


class _TokenAuth(ks_plugin.BaseAuthPlugin):
    """A token someone else issued (Nova's _ContextAuthPlugin): the
    caller's, or the noauth2 service token.  Endpoints come from the
    caller's service catalog when there is one."""

    def __init__(self, token, catalog=None):
        super().__init__()
        self.token, self.catalog = token, catalog or []

    def get_token(self, session, **kwargs):
        return self.token

    def get_endpoint(self, session, service_type=None, interface=None,
                     region_name=None, **kwargs):
        interfaces = interface if isinstance(interface, (list, tuple)) else [interface]
        for service in self.catalog:
            if service.get('type') != service_type:
                continue
            for ep in service.get('endpoints', []):
                if region_name and ep.get('region') not in (None, region_name):
                    continue
                if 'url' in ep:                 # a v3 catalog
                    if ep.get('interface') in interfaces or interfaces == [None]:
                        return ep['url']
                    continue
                # keystonemiddleware's X-Service-Catalog is in v2 form
                for iface in interfaces if interfaces != [None] else ['public']:
                    if ep.get('%sURL' % iface):
                        return ep['%sURL' % iface]
        return None


def serve_locally(app):
    """novalite-api with the embedded service: its own requests to the
    network endpoint go to ``app`` in-process (network/local.py says why)."""
    global _LOCAL_APP, _SESSION
    _LOCAL_APP, _SESSION = app, None


def _session():
    global _SESSION
    if _SESSION is None:
        transport = requests.Session()
        endpoint = _endpoint_override()
        if _LOCAL_APP is not None and endpoint:
            transport.mount(endpoint, local.WSGIAdapter(_LOCAL_APP))
        _SESSION = ks_loading.load_session_from_conf_options(CONF, NEUTRON_GROUP,
                                                             session=transport)
    return _SESSION


def _admin_auth():
    """The [neutron] credentials (Nova's _load_auth_plugin); with noauth2 and
    none configured, the noauth2 admin token."""
    global _ADMIN_AUTH
    if _ADMIN_AUTH is None:
        if CONF.neutron.auth_type:
            _ADMIN_AUTH = ks_loading.load_auth_from_conf_options(CONF, NEUTRON_GROUP)
        elif CONF.api.auth_strategy == 'noauth2':
            _ADMIN_AUTH = _TokenAuth('admin:%s' % NOAUTH_SERVICE_PROJECT)
        else:
            LOG.error('The [neutron] section must be configured with credentials '
                      '(auth_type, auth_url, username, ...) for the network service.')
            raise exception.NeutronAdminCredentialConfigurationInvalid()
    return _ADMIN_AUTH


def _endpoint_override():
    """[neutron] endpoint_override; for the embedded service, novalite-api's
    own /network (from its listen address and port)."""
    if CONF.neutron.endpoint_override:
        return CONF.neutron.endpoint_override.rstrip('/')
    if CONF.network.backend != 'embedded':
        return None
    host = CONF.osapi_compute_listen
    if host in ('', '0.0.0.0', '::'):
        host = '127.0.0.1'
    if ':' in host:
        host = '[%s]' % host
    return 'http://%s:%d/network' % (host, CONF.osapi_compute_listen_port)


def get_client(context, admin=False):
    """A Client with the caller's token, or the admin client (Nova's get_client)."""
    if admin or (context.is_admin and not context.auth_token):
        auth = _admin_auth()
    elif context.auth_token:
        auth = _TokenAuth(context.auth_token, getattr(context, 'service_catalog', None))
    else:
        raise exception.NotAuthenticated()
    adapter = ks_loading.load_adapter_from_conf_options(
        CONF, NEUTRON_GROUP, session=_session(), auth=auth,
        endpoint_override=_endpoint_override(),
        connect_retries=CONF.neutron.http_retries,
        global_request_id=context.global_id)
    return Client(adapter)


class Client:
    """Neutron v2.0 resources over a keystoneauth Adapter; errors become
    :class:`NeutronError` (the NeutronError envelope's type and message)."""

    def __init__(self, adapter):
        self.adapter = adapter

    def _call(self, method, path, body=None, params=None):
        try:
            resp = self.adapter.request('/v2.0' + path, method, json=body, params=params,
                                        raise_exc=False)
        except ks_exc.ClientException as e:
            raise exception.NetworkServiceUnavailable(reason=str(e)) from e
        if resp.status_code >= 400:
            try:
                err = resp.json().get('NeutronError') or {}
            except ValueError:
                err = {}
            if not isinstance(err, dict):
                err = {'message': str(err)}
            raise NeutronError(resp.status_code, err.get('type'),
                               err.get('message') or resp.text[:200])
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError as e:
            raise exception.NetworkServiceUnavailable(
                reason='%s %s answered %s without JSON' % (method, path,
                                                           resp.status_code)) from e

    def _get(self, path, key, params=None):
        body = self._call('GET', path, params=params)
        if not isinstance(body, dict) or key not in body:
            raise exception.NetworkServiceUnavailable(
                reason='GET %s answered without %r' % (path, key))
        return body[key]

    def list_networks(self, **params):
        return self._get('/networks', 'networks', params)

    def show_network(self, network_id):
        return self._get('/networks/%s' % network_id, 'network')

    def list_subnets(self, **params):
        return self._get('/subnets', 'subnets', params)

    def list_ports(self, **params):
        return self._get('/ports', 'ports', params)

    def show_port(self, port_id):
        return self._get('/ports/%s' % port_id, 'port')

    def create_port(self, body):
        return self._call('POST', '/ports', {'port': body})['port']

    def update_port(self, port_id, body):
        return self._call('PUT', '/ports/%s' % port_id, {'port': body})['port']

    def delete_port(self, port_id):
        self._call('DELETE', '/ports/%s' % port_id)


class NeutronError(exception.NovaliteException):
    msg_fmt = 'Network service error %(status)s %(type)s: %(message)s'

    def __init__(self, status, type_, message):
        super().__init__(status=status, type=type_, message=message)
        self.status, self.type = status, type_


# -- requested networks ----------------------------------------------------------
# A request is a dict {'network_id', 'address', 'port_id', 'tag'} (Nova's
# NetworkRequest); requested_networks is 'none', 'auto', or a list of them
# (an empty list: no network named, Nova's "single unspecified").
def _requests(requested_networks):
    return [] if requested_networks in (None, 'none', 'auto') else list(requested_networks)


def allocates_nothing(requested_networks):
    """True when a build with these networks gets no port (``none``, or no
    request at all); ``auto`` and ``[]`` ask Neutron first."""
    return requested_networks is None or requested_networks == 'none'


class API:
    """Nova's network API: what novalite-api and novalite-compute ask of it."""

    # -- lookups (user client) ----------------------------------------------------
    @staticmethod
    def _show_port(client, port_id):
        try:
            return client.show_port(port_id)
        except NeutronError as e:
            if e.status == 404:
                raise exception.PortNotFound(port_id=port_id) from e
            raise

    @staticmethod
    def _get_available_networks(client, project_id, net_ids=None):
        """The project's own networks and the shared ones, or the ones named."""
        if net_ids:
            return client.list_networks(id=list(net_ids))
        nets = client.list_networks(project_id=project_id, shared=False)
        return nets + client.list_networks(shared=True)

    def _default_network(self, client, project_id, auto):
        """What "auto" (or no network at all) means: [network]
        default_network, else the one network the project sees."""
        name = CONF.network.default_network
        if name:
            nets = (client.list_networks(id=[name]) if uuidutils.is_uuid_like(name) else
                    client.list_networks(name=name))
            if not nets:
                raise exception.UnableToAutoAllocateNetwork(project_id=project_id)
            return nets[0]
        nets = self._get_available_networks(client, project_id)
        if len(nets) > 1:
            raise exception.NetworkAmbiguous()
        if not nets:
            if auto:
                raise exception.UnableToAutoAllocateNetwork(project_id=project_id)
            return None
        return nets[0]

    # -- API side (seed 3.3) -------------------------------------------------------
    def validate_networks(self, context, requested_networks, num_instances):
        """Check what the user asked for, before anything is written; return
        the requests the compute will allocate ('none' or a list)."""
        if requested_networks == 'none':
            return 'none'
        requests = _requests(requested_networks)
        if num_instances > 1:
            for req in requests:
                if req.get('port_id'):
                    raise exception.MultiplePortsNotApplicable(reason=(
                        'Unable to launch multiple instances with a single configured '
                        'port ID. Please launch your instance one by one with '
                        'different ports.'))
                if req.get('address'):
                    raise exception.InvalidFixedIpAndMaxCountRequest(reason=(
                        'max_count cannot be greater than 1 if an fixed_ip is '
                        'specified.'))
        client = get_client(context)
        if not requests:
            net = self._default_network(client, context.project_id,
                                        auto=requested_networks == 'auto')
            return [{'network_id': net['id']}] if net else 'none'
        net_ids = []
        for req in requests:
            if req.get('port_id'):
                port = self._show_port(client, req['port_id'])
                if port.get('device_id'):
                    raise exception.PortInUse(port_id=req['port_id'])
                if not port.get('fixed_ips'):
                    raise exception.PortRequiresFixedIP(port_id=req['port_id'])
            else:
                net_ids.append(req['network_id'])
        if net_ids:
            nets = {n['id']: n for n in self._get_available_networks(
                client, context.project_id, net_ids)}
            lost = [n for n in dict.fromkeys(net_ids) if n not in nets]
            if lost:
                raise exception.NetworkNotFound(network_id=', '.join(lost))
            for net in nets.values():
                if not net.get('subnets'):
                    raise exception.NetworkRequiresSubnet(network_uuid=net['id'])
            for req in requests:
                if req.get('address'):
                    self._check_fixed_ip(client, req['network_id'], req['address'])
        return requests

    @staticmethod
    def _check_fixed_ip(client, network_id, address):
        subnets = client.list_subnets(network_id=network_id)
        ip = ipaddress.ip_address(address)
        if not any(ip in ipaddress.ip_network(s['cidr']) for s in subnets):
            raise exception.FixedIpInvalidForNetwork(address=address,
                                                     network_id=network_id)
        used = client.list_ports(network_id=network_id,
                                 fixed_ips='ip_address=%s' % address)
        if used:
            raise exception.FixedIpAlreadyInUse(address=address,
                                                instance_uuid=used[0].get('device_id'))

    # -- compute side (seed 3.12) --------------------------------------------------
    def allocate_for_instance(self, context, instance, requested_networks,
                              bind_host_id=None):
        """Create ports for network requests, take the ports passed in, bind
        them all to ``bind_host_id``; return the instance's network_info.
        On any failure what was created is deleted and what was taken is
        given back before the error goes on."""
        if requested_networks == 'auto' or requested_networks == []:
            requested_networks = self.validate_networks(context, requested_networks, 1)
        requests = _requests(requested_networks)
        if not requests:
            return []
        client, admin = get_client(context), get_client(context, admin=True)
        created, taken, order = [], [], []
        try:
            for req in requests:
                if req.get('port_id'):
                    port = self._show_port(client, req['port_id'])
                    if port.get('project_id', port.get('tenant_id')) != instance.project_id:
                        raise exception.PortNotUsable(port_id=port['id'],
                                                      instance=instance.uuid)
                    if port.get('device_id') not in ('', None, instance.uuid):
                        raise exception.PortInUse(port_id=port['id'])
                    taken.append(port['id'])
                else:
                    port = self._create_port(client, instance, req)
                    created.append(port['id'])
                order.append((port['id'], req.get('tag')))
            for port_id, _tag in order:
                admin.update_port(port_id, {
                    'binding:host_id': bind_host_id or '', 'device_id': instance.uuid,
                    'device_owner': 'compute:%s' % (instance.availability_zone
                                                   or CONF.default_availability_zone)})
            return self._build_network_info_model(admin, order, set(taken))
        except Exception:
            self._release(client, admin, instance, created, taken)
            raise

    @staticmethod
    def _create_port(client, instance, req):
        body = {'network_id': req['network_id'], 'device_id': instance.uuid,
                'project_id': instance.project_id}
        if req.get('address'):
            body['fixed_ips'] = [{'ip_address': req['address']}]
        try:
            return client.create_port(body)
        except NeutronError as e:
            if e.type == 'IpAddressAlreadyAllocated':
                raise exception.FixedIpAlreadyInUse(address=req.get('address'),
                                                    instance_uuid=instance.uuid) from e
            if e.type == 'IpAddressGenerationFailure':
                raise exception.NoMoreFixedIps(net=req['network_id']) from e
            raise

    @staticmethod
    def _release(client, admin, instance, created, taken):
        for port_id in taken:
            try:
                admin.update_port(port_id, dict(UNBIND))
            except exception.NovaliteException:
                LOG.exception('Unable to unbind port %s of %s', port_id, instance.uuid)
        for port_id in created:
            try:
                client.delete_port(port_id)
            except NeutronError as e:
                if e.status != 404:
                    LOG.exception('Unable to delete port %s of %s', port_id, instance.uuid)
            except exception.NovaliteException:
                LOG.exception('Unable to delete port %s of %s', port_id, instance.uuid)

    def deallocate_for_instance(self, context, instance):
        """Delete the ports novalite created for the instance; unbind and keep
        the ones the user passed in (preserve_on_delete)."""
        admin = get_client(context, admin=True)
        client = get_client(context) if context.auth_token else admin
        ports = admin.list_ports(device_id=instance.uuid)
        keep = {vif['id'] for vif in instance.network_info or []
                if vif.get('preserve_on_delete')}
        self._release(client, admin, instance,
                      [p['id'] for p in ports if p['id'] not in keep],
                      [p['id'] for p in ports if p['id'] in keep])

    def get_instance_nw_info(self, context, instance):
        """The instance's network_info as its ports are now (in the stored order)."""
        admin = get_client(context, admin=True)
        stored = {vif['id']: vif for vif in instance.network_info or []}
        ports = admin.list_ports(device_id=instance.uuid)
        ports.sort(key=lambda p: (list(stored).index(p['id']) if p['id'] in stored
                                  else len(stored)))
        order = [(p['id'], stored.get(p['id'], {}).get('tag')) for p in ports]
        keep = {i for i, v in stored.items() if v.get('preserve_on_delete')}
        return self._build_network_info_model(admin, order, keep, ports)

    def _build_network_info_model(self, client, order, preserved, ports=None):
        if not order:
            return []
        ports = {p['id']: p for p in (ports or client.list_ports(
            id=[port_id for port_id, _tag in order]))}
        nets = {n['id']: n for n in client.list_networks(
            id=sorted({p['network_id'] for p in ports.values()}))}
        subnet_ids = sorted({ip['subnet_id'] for p in ports.values()
                             for ip in p.get('fixed_ips') or []})
        subnets = {s['id']: s for s in client.list_subnets(id=subnet_ids)} if subnet_ids else {}
        vifs = []
        for port_id, tag in order:
            port = ports.get(port_id)
            if port is None:
                continue
            vif = _vif(port, nets.get(port['network_id'], {'id': port['network_id']}),
                       subnets, port_id in preserved)
            vif['tag'] = tag
            vifs.append(vif)
        return vifs

    # -- os-interface ---------------------------------------------------------------
    def list_ports(self, context, **params):
        return get_client(context).list_ports(**params)

    def show_port(self, context, port_id):
        return self._show_port(get_client(context), port_id)


def _vif(port, net, subnets, preserve):
    """One VIF model from a port, its network and the subnets it has addresses in."""
    details = port.get('binding:vif_details') or {}
    by_subnet = {}
    for ip in port.get('fixed_ips') or []:
        by_subnet.setdefault(ip['subnet_id'], []).append(model.FixedIP(ip['ip_address']))
    vif_subnets = []
    for subnet_id, ips in by_subnet.items():
        s = subnets.get(subnet_id)
        if s is None:
            continue
        vif_subnets.append(model.Subnet(
            s['cidr'], ips=ips,
            gateway=model.IP(s['gateway_ip'], type='gateway') if s.get('gateway_ip') else None,
            dns=[model.IP(d, type='dns') for d in s.get('dns_nameservers') or []],
            routes=s.get('host_routes') or [],
            meta={'enable_dhcp': s.get('enable_dhcp', True)}))
    network = model.Network(
        net['id'], bridge=details.get(model.VIF_DETAILS_BRIDGE_NAME), label=net.get('name'),
        subnets=vif_subnets,
        meta={'mtu': net.get('mtu'), 'tenant_id': net.get('project_id'),
              'physical_network': net.get('provider:physical_network')})
    return model.VIF(port['id'], port['mac_address'], network,
                     port.get('binding:vif_type'), details=details,
                     active=port.get('status') == 'ACTIVE', preserve_on_delete=preserve,
                     vnic_type=port.get('binding:vnic_type') or 'normal',
                     profile=port.get('binding:profile') or {})


