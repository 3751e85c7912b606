"""Subnets: the checks Neutron makes of a cidr, its gateway, allocation pools,
DNS servers and host routes; the default pool is the cidr without its
network, gateway and broadcast addresses."""
import ipaddress
import uuid

from novalite.api.network import attributes
from novalite.api.network import networks
from novalite.api.network import policy
from novalite.db import network as db
from novalite.network import errors

NAME = 'subnet'
COLLECTION = 'subnets'
ATTRS = attributes.SUBNET
INTERNAL = ['network:project_id', 'shared']
COLUMNS = {'id': 'id', 'name': 'name', 'network_id': 'network_id', 'tenant_id': 'project_id',
           'project_id': 'project_id', 'ip_version': 'ip_version', 'cidr': 'cidr',
           'gateway_ip': 'gateway_ip', 'enable_dhcp': 'enable_dhcp',
           'ipv6_ra_mode': 'ipv6_ra_mode', 'ipv6_address_mode': 'ipv6_address_mode',
           'description': 'description', 'revision_number': 'revision_number'}


def view(row, network_project):
    return {
        'id': row['id'], 'name': row['name'], 'tenant_id': row['project_id'],
        'project_id': row['project_id'], 'network_id': row['network_id'],
        'ip_version': row['ip_version'], 'subnetpool_id': None, 'cidr': row['cidr'],
        'gateway_ip': row['gateway_ip'], 'allocation_pools': row['allocation_pools'],
        'dns_nameservers': row['dns_nameservers'], 'host_routes': row['host_routes'],
        'enable_dhcp': row['enable_dhcp'], 'ipv6_ra_mode': row['ipv6_ra_mode'],
        'ipv6_address_mode': row['ipv6_address_mode'], 'description': row['description'],
        'router:external': False, 'service_types': [],
        'created_at': networks.timestamp(row['created_at']),
        'updated_at': networks.timestamp(row['updated_at']),
        'revision_number': row['revision_number'], 'tags': [],
        'shared': row['shared'], 'network:project_id': network_project,
    }


def _views(rows):
    owners = {n['id']: n['project_id'] for n in db.network_get_all(
        None, {'id': sorted({r['network_id'] for r in rows})})} if rows else {}
    return [view(r, owners.get(r['network_id'])) for r in rows]


def get(ctx, ident, scope):
    return _views([db.subnet_get(ident, scope)])[0]


def get_all(ctx, scope, filters):
    external = filters.pop('router:external', None)
    if external and False not in external:
        return []                       # no subnet is on an external network
    shared = filters.pop('shared', None)
    if shared is not None and len(set(shared)) > 1:
        shared = None
    columns = {COLUMNS[k]: v for k, v in filters.items() if k in COLUMNS}
    return _views(db.subnet_get_all(scope, columns, shared[0] if shared else None))


def _invalid(msg):
    return errors.InvalidInput(error_message=msg)


def _usable(net):
    """First and last address a host may get (ints)."""
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 4 and net.prefixlen < 31:
        return first + 1, last - 1
    if net.version == 6:
        return first + 1, last
    return first, last


def _default_pools(net, gateway):
    first, last = _usable(net)
    gw = int(gateway) if gateway is not None and gateway in net else None
    ranges = ([(first, gw - 1), (gw + 1, last)] if gw is not None and first <= gw <= last
              else [(first, last)])
    return [(a, b) for a, b in ranges if a <= b]


def _pools(net, gateway, requested):
    """Checked allocation pools [(first, last)] as ints."""
    if requested is None:
        return _default_pools(net, gateway)
    first, last = _usable(net)
    pools = []
    for pool in requested:
        start, end = ipaddress.ip_address(pool['start']), ipaddress.ip_address(pool['end'])
        text = '%s-%s' % (pool['start'], pool['end'])
        if start.version != net.version or end.version != net.version or start > end:
            raise errors.InvalidAllocationPool(pool=text)
        if int(start) < first or int(end) > last:
            raise errors.OutOfBoundsAllocationPool(pool=text, subnet_cidr=str(net))
        pools.append((int(start), int(end), text))
    pools.sort()
    for a, b in zip(pools, pools[1:]):
        if b[0] <= a[1]:
            raise errors.OverlappingAllocationPools(pool_1=a[2], pool_2=b[2],
                                                    subnet_cidr=str(net))
    if gateway is not None:
        for start, end, text in pools:
            if start <= int(gateway) <= end:
                raise errors.GatewayConflictWithAllocationPools(ip_address=str(gateway),
                                                                pool=text)
    return [(a, b) for a, b, _t in pools]


def _gateway(net, values, create, current=None):
    """The gateway: the first address unless given (None: no gateway)."""
    if 'gateway_ip' not in values:
        if create:
            return net.network_address + 1 if net.num_addresses > 2 else None
        return ipaddress.ip_address(current) if current else None
    if values['gateway_ip'] is None:
        return None
    gateway = ipaddress.ip_address(values['gateway_ip'])
    if gateway.version != net.version:
        raise _invalid("gateway_ip '%s' does not match the ip_version '%s'"
                       % (gateway, net.version))
    if net.version == 4 and net.prefixlen < 31 and gateway in (net.network_address,
                                                                net.broadcast_address):
        raise _invalid('Gateway is not valid on subnet')
    return gateway


def _text(version, pools):
    cls = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    return [(str(cls(a)), str(cls(b))) for a, b in pools]


def _limits(values, subnet_id=None):
    if len(values.get('dns_nameservers') or []) > attributes.MAX_DNS_NAMESERVERS:
        raise errors.DNSNameServersExhausted(subnet_id=subnet_id,
                                             quota=attributes.MAX_DNS_NAMESERVERS)
    if len(values.get('host_routes') or []) > attributes.MAX_SUBNET_HOST_ROUTES:
        raise errors.HostRoutesExhausted(subnet_id=subnet_id,
                                         quota=attributes.MAX_SUBNET_HOST_ROUTES)


def _cidr(values):
    if 'cidr' not in values or values['cidr'] is None:
        raise errors.BadRequest(resource='subnets', msg='A cidr must be specified in the '
                                                        'absence of a subnet pool')
    net = ipaddress.ip_network(values['cidr'], strict=False)
    if net.version != values['ip_version']:
        raise _invalid("cidr '%s' does not match the ip_version '%s'"
                       % (values['cidr'], values['ip_version']))
    if net.prefixlen == 0:
        raise _invalid('0.0.0.0/0 and ::/0 are not supported')
    return net


def create(ctx, values, given):
    network = networks.get(ctx, values['network_id'], policy.scope(ctx))
    target = dict(values, shared=network['shared'],
                  **{'network:project_id': network['project_id']})
    policy.enforce(ctx, 'create_subnet', NAME, target, given, is_create=True)
    net = _cidr(values)
    gateway = _gateway(net, values, True)
    pools = _pools(net, gateway, values.get('allocation_pools'))
    _limits(values)
    for key in ('dns_nameservers', 'host_routes'):
        values.setdefault(key, [])
    row = {'id': str(uuid.uuid4()), 'project_id': values['project_id'], 'revision_number': 0,
           'name': values['name'], 'network_id': network['id'],
           'ip_version': net.version, 'cidr': str(net),
           'gateway_ip': str(gateway) if gateway is not None else None,
           'enable_dhcp': values['enable_dhcp'], 'description': values['description'],
           'ipv6_ra_mode': values.get('ipv6_ra_mode'),
           'ipv6_address_mode': values.get('ipv6_address_mode')}

    def check_overlap(cidrs):
        for other in cidrs:
            if ipaddress.ip_network(other).overlaps(net):
                raise _invalid('Requested subnet with cidr: %s for network: %s overlaps '
                               'with another subnet' % (net, network['id']))
    created = db.subnet_create(row, _text(net.version, pools), values['dns_nameservers'],
                               values['host_routes'], check_overlap)
    return _views([created])[0]


def update(ctx, original, values, given):
    net = ipaddress.ip_network(original['cidr'])
    _limits(values, original['id'])
    gateway = _gateway(net, values, False, original['gateway_ip'])
    pools = None
    if 'allocation_pools' in values or 'gateway_ip' in values:
        requested = values.get('allocation_pools', original['allocation_pools'])
        pools = _text(net.version, _pools(net, gateway, requested))
    columns = {k: values[k] for k in ('name', 'description', 'enable_dhcp') if k in values}
    if 'gateway_ip' in values:
        columns['gateway_ip'] = str(gateway) if gateway is not None else None
    updated = db.subnet_update(original['id'], original['network_id'], columns, pools,
                               values.get('dns_nameservers'), values.get('host_routes'))
    return _views([updated])[0]


def delete(ctx, original):
    db.subnet_delete(original['id'], original['network_id'])
