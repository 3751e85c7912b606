"""The attribute maps of networks, subnets and ports (neutron-lib's API
definitions: allow_post, allow_put, default, convert, validate, filter and
sort flags, policy enforcement), their validators with Neutron's messages, and
``prepare_body``: a request body checked in Neutron's order."""
import ipaddress
import re

from novalite.network import errors

NOT_SPECIFIED = object()
UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?'
                     r'[0-9a-fA-F]{12}$')
MAC_RE = re.compile(r'^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$')
VNIC_TYPES = ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical',
              'virtio-forwarder', 'smart-nic', 'vdpa', 'accelerator-direct',
              'accelerator-direct-physical', 'remote-managed']
IPV6_MODES = ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac']
MAX_DNS_NAMESERVERS = 5       # Neutron's max_dns_nameservers
MAX_SUBNET_HOST_ROUTES = 20   # Neutron's max_subnet_host_routes
MAX_FIXED_IPS = 20            # no more fixed IPs per request than this


# -- converters (raise InvalidInput, as neutron_lib.api.converters) ------------------
def to_boolean(data):
    if isinstance(data, bool):
        return data
    if isinstance(data, str):
        if data.lower() in ('true', '1'):
            return True
        if data.lower() in ('false', '0'):
            return False
    elif isinstance(data, int) and data in (0, 1):
        return bool(data)
    raise errors.InvalidInput(error_message="'%s' cannot be converted to boolean" % (data,))


def to_int(data):
    if isinstance(data, bool) or data is None:
        raise errors.InvalidInput(error_message="'%s' is not an integer" % (data,))
    try:
        return int(data)
    except (ValueError, TypeError):
        raise errors.InvalidInput(error_message="'%s' is not an integer" % (data,))


def to_mac(data):
    return data.lower().replace('-', ':') if isinstance(data, str) else data


def to_canonical_ip(data):
    try:
        return str(ipaddress.ip_address(data)) if isinstance(data, str) else data
    except ValueError:
        return data


def to_canonical_cidr(data):
    try:
        return str(ipaddress.ip_network(data, strict=False)) if isinstance(data, str) else data
    except ValueError:
        return data


def none_to_empty_list(data):
    return [] if data is None else data


# -- validators (return a reason, or None) -----------------------------------------
def storable(text):
    """False for what no database column can hold: NUL characters and lone
    surrogates (a 500 from PostgreSQL or the driver otherwise)."""
    if '\x00' in text:
        return False
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        return False
    return True


def v_string(data, max_len=None):
    if not isinstance(data, str) or not storable(data):
        return "'%s' is not a valid string" % (data,)
    if max_len is not None and len(data) > max_len:
        return "'%s' exceeds maximum length of %s" % (data, max_len)


def v_string_or_none(data, max_len=None):
    return None if data is None else v_string(data, max_len)


def v_uuid(data, _unused=None):
    if not isinstance(data, str) or not UUID_RE.match(data):
        return "'%s' is not a valid UUID" % (data,)


def v_values(data, valid):
    if data not in valid:
        return "%s is not in valid_values" % (data,)


def v_mac(data, _unused=None):
    if not isinstance(data, str) or not MAC_RE.match(data):
        return "'%s' is not a valid MAC address" % (data,)
    if int(data.replace(':', '').replace('-', ''), 16) in (0, 0xffffffffffff) or \
            int(data[:2], 16) & 1:
        return "'%s' is not a valid MAC address" % (data,)


def _ip(data):
    try:
        return ipaddress.ip_address(data) if isinstance(data, str) else None
    except ValueError:
        return None


def v_ip_or_none(data, _unused=None):
    if data is not None and _ip(data) is None:
        return "'%s' is not a valid IP address" % (data,)


def v_subnet_or_none(data, _unused=None):
    if data is None:
        return None
    try:
        net = ipaddress.ip_network(data, strict=False) if isinstance(data, str) else None
    except ValueError:
        net = None
    if net is None or '/' not in data:
        return "'%s' is not a valid IP subnet" % (data,)


def v_dict_or_none(data, _unused=None):
    if data is not None and not isinstance(data, dict):
        return "'%s' is not a dictionary" % (data,)


def v_fixed_ips(data, _unused=None):
    if not isinstance(data, list):
        return "Invalid data format for fixed IP: '%s'" % (data,)
    if len(data) > MAX_FIXED_IPS:
        return 'Exceeded maximum amount of fixed ips per port.'
    seen = []
    for entry in data:
        if not isinstance(entry, dict):
            return "Invalid data format for fixed IP: '%s'" % (entry,)
        extra = set(entry) - {'subnet_id', 'ip_address'}
        if extra:
            return "Unrecognized attribute(s) '%s'" % ', '.join(sorted(extra))
        if 'ip_address' in entry:
            if _ip(entry['ip_address']) is None:
                return "'%s' is not a valid IP address" % (entry['ip_address'],)
            if entry['ip_address'] in seen:
                return "Duplicate IP address '%s'" % entry['ip_address']
            seen.append(entry['ip_address'])
        if 'subnet_id' in entry and v_uuid(entry['subnet_id']):
            return v_uuid(entry['subnet_id'])


def v_ip_pools(data, _unused=None):
    if not isinstance(data, list):
        return "Invalid data format for IP pool: '%s'" % (data,)
    for pool in data:
        if not isinstance(pool, dict) or set(pool) != {'start', 'end'}:
            return "Invalid data format for IP pool: '%s'" % (pool,)
        for key in ('start', 'end'):
            if _ip(pool[key]) is None:
                return "'%s' is not a valid IP address" % (pool[key],)


def v_nameservers(data, _unused=None):
    if not isinstance(data, list):
        return "Invalid data format for nameserver: '%s'" % (data,)
    seen = []
    for ns in data:
        if _ip(ns) is None:
            return "'%s' is not a valid nameserver" % (ns,)
        if ns in seen:
            return "Duplicate nameserver '%s'" % ns
        seen.append(ns)


def v_hostroutes(data, _unused=None):
    if not isinstance(data, list):
        return "Invalid data format for hostroute: '%s'" % (data,)
    seen = []
    for route in data:
        if not isinstance(route, dict) or set(route) != {'destination', 'nexthop'}:
            return "Invalid data format for hostroute: '%s'" % (route,)
        if v_subnet_or_none(route['destination']) or route['destination'] is None:
            return "'%s' is not a valid IP subnet" % (route['destination'],)
        if _ip(route['nexthop']) is None:
            return "'%s' is not a valid IP address" % (route['nexthop'],)
        if route in seen:
            return "Duplicate hostroute '%s'" % (route,)
        seen.append(route)


# -- the maps ---------------------------------------------------------------------
def _a(post=False, put=False, default=NOT_SPECIFIED, convert=None, validate=None,
       is_filter=True, sort=True, policy=False, required=False, visible=True):
    return {'allow_post': post, 'allow_put': put, 'default': default, 'convert': convert,
            'validate': validate, 'is_filter': is_filter, 'is_sort_key': sort,
            'enforce_policy': policy, 'required': required, 'is_visible': visible}


def _name():
    return _a(post=True, put=True, default='', validate=(v_string, 255))


def _common():
    return {
        'id': _a(validate=(v_uuid, None)),
        'name': _name(),
        'tenant_id': _a(post=True, validate=(v_string, 255)),
        'project_id': _a(post=True, validate=(v_string, 255)),
        'description': _a(post=True, put=True, default='', validate=(v_string, 255)),
        'created_at': _a(is_filter=False), 'updated_at': _a(is_filter=False),
        'revision_number': _a(convert=to_int),
        # the tag extension's filters: nothing here carries tags
        'tags': _a(sort=False), 'tags-any': _a(sort=False, visible=False),
        'not-tags': _a(sort=False, visible=False),
        'not-tags-any': _a(sort=False, visible=False),
    }


NETWORK = dict(_common(), **{
    'subnets': _a(is_filter=False, sort=False),
    'admin_state_up': _a(post=True, put=True, default=True, convert=to_boolean),
    'status': _a(),
    'shared': _a(post=True, put=True, default=False, convert=to_boolean, policy=True,
                 sort=False),
    'router:external': _a(post=True, put=True, default=False, convert=to_boolean,
                          policy=True, sort=False),
    'mtu': _a(convert=to_int),
    'provider:network_type': _a(post=True, put=True, validate=(v_string, 32), policy=True,
                                sort=False),
    'provider:physical_network': _a(post=True, put=True, validate=(v_string, 64),
                                    policy=True, sort=False),
    'provider:segmentation_id': _a(post=True, put=True, convert=to_int, policy=True,
                                   sort=False),
    'port_security_enabled': _a(post=True, put=True, default=True, convert=to_boolean,
                                policy=True, is_filter=False, sort=False),
    'availability_zone_hints': _a(is_filter=False, sort=False),
    'availability_zones': _a(is_filter=False, sort=False),
    'ipv4_address_scope': _a(is_filter=False, sort=False),
    'ipv6_address_scope': _a(is_filter=False, sort=False),
})

SUBNET = dict(_common(), **{
    'network_id': _a(post=True, validate=(v_uuid, None), required=True),
    'ip_version': _a(post=True, convert=to_int, validate=(v_values, [4, 6]), required=True),
    'subnetpool_id': _a(post=True, default=None, validate=(v_values, [None])),
    'prefixlen': _a(post=True, convert=to_int, is_filter=False, sort=False, visible=False),
    'cidr': _a(post=True, convert=to_canonical_cidr, validate=(v_subnet_or_none, None)),
    'gateway_ip': _a(post=True, put=True, convert=to_canonical_ip,
                     validate=(v_ip_or_none, None)),
    'allocation_pools': _a(post=True, put=True, validate=(v_ip_pools, None),
                           is_filter=False, sort=False),
    'dns_nameservers': _a(post=True, put=True, convert=none_to_empty_list,
                          validate=(v_nameservers, None), is_filter=False, sort=False),
    'host_routes': _a(post=True, put=True, convert=none_to_empty_list,
                      validate=(v_hostroutes, None), is_filter=False, sort=False),
    'enable_dhcp': _a(post=True, put=True, default=True, convert=to_boolean),
    'ipv6_ra_mode': _a(post=True, validate=(v_values, IPV6_MODES + [None])),
    'ipv6_address_mode': _a(post=True, validate=(v_values, IPV6_MODES + [None])),
    'shared': _a(convert=to_boolean, sort=False, visible=False),
    'router:external': _a(convert=to_boolean, sort=False),
    'service_types': _a(is_filter=False, sort=False),
})

PORT = dict(_common(), **{
    'network_id': _a(post=True, validate=(v_uuid, None), required=True),
    'admin_state_up': _a(post=True, put=True, default=True, convert=to_boolean),
    'mac_address': _a(post=True, put=True, convert=to_mac, validate=(v_mac, None),
                      policy=True),
    'fixed_ips': _a(post=True, put=True, validate=(v_fixed_ips, None), policy=True,
                    sort=False),
    'device_id': _a(post=True, put=True, default='', validate=(v_string, 255), policy=True),
    'device_owner': _a(post=True, put=True, default='', validate=(v_string, 255),
                       policy=True),
    'status': _a(),
    'port_security_enabled': _a(post=True, put=True, convert=to_boolean, policy=True,
                                is_filter=False, sort=False),
    'binding:host_id': _a(post=True, put=True, validate=(v_string_or_none, 255), policy=True,
                          sort=False),
    'binding:vif_type': _a(policy=True, is_filter=False, sort=False),
    'binding:vif_details': _a(policy=True, is_filter=False, sort=False),
    'binding:vnic_type': _a(post=True, put=True, default='normal',
                            validate=(v_values, VNIC_TYPES), policy=True, sort=False),
    'binding:profile': _a(post=True, put=True, validate=(v_dict_or_none, None),
                          policy=True, is_filter=False, sort=False),
    'security_groups': _a(is_filter=False, sort=False),
    'allowed_address_pairs': _a(is_filter=False, sort=False),
    'extra_dhcp_opts': _a(is_filter=False, sort=False),
})

RESOURCES = {'network': NETWORK, 'subnet': SUBNET, 'port': PORT}


def _bad(msg):
    return errors.HTTPBadRequest(msg=msg)


def _project(ctx, res, is_create, can_set_project):
    if 'tenant_id' in res and 'project_id' not in res:
        res['project_id'] = res['tenant_id']
    elif 'project_id' in res and 'tenant_id' not in res:
        res['tenant_id'] = res['project_id']
    if res.get('project_id') != res.get('tenant_id'):
        raise _bad("'project_id' and 'tenant_id' do not match")
    if 'project_id' in res and res['project_id'] != ctx.project_id and not can_set_project:
        raise _bad("Specifying 'project_id' other than the authenticated project in "
                   "request is not allowed for the current user.")
    if is_create and 'project_id' not in res:
        res['project_id'] = res['tenant_id'] = ctx.project_id


def prepare_body(ctx, body, resource, is_create, can_set_project):
    """The checked, converted attributes of a POST/PUT body, with the set of
    attributes the client gave (policy checks only those)."""
    attrs = RESOURCES[resource]
    if not body:
        raise _bad('Resource body required')
    if resource + 's' in body:
        raise _bad('Bulk operation not supported')
    res = body.get(resource)
    if res is None:
        raise _bad("Unable to find '%s' in request body" % resource)
    if not isinstance(res, dict):
        raise _bad("Object '%s' contains invalid data" % resource)
    res = dict(res)
    given = set(res)
    _project(ctx, res, is_create, can_set_project)
    extra = sorted(k for k in res if k not in attrs or not attrs[k]['is_visible']
                   and not attrs[k]['allow_post'])
    if extra:
        raise _bad("Unrecognized attribute(s) '%s'" % ', '.join(extra))
    for name, spec in attrs.items():
        if not is_create:
            if name in res and not spec['allow_put']:
                raise _bad('Cannot update read-only attribute %s' % name)
            continue
        if not spec['allow_post']:
            if name in res:
                raise _bad("Attribute '%s' not allowed in POST" % name)
            continue
        if spec['required'] and name not in res:
            raise _bad("Failed to parse request. Required attribute '%s' not "
                       "specified" % name)
        if name not in res and spec['default'] is not NOT_SPECIFIED:
            res[name] = spec['default']
    convert(res, attrs)
    return res, given


def convert(res, attrs):
    for name, value in list(res.items()):
        spec = attrs[name]
        if spec['convert'] is not None:
            res[name] = value = spec['convert'](value)
        if spec['validate'] is not None:
            func, arg = spec['validate']
            reason = func(value, arg)
            if reason:
                raise _bad('Invalid input for %s. Reason: %s.' % (name, reason))
