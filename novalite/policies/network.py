"""Policies of the embedded network service (/network): Neutron's rule names
and default check strings (neutron/conf/policies/{base,network,subnet,port}.py)
for the attributes novalite serves.  ``provider:*`` and ``binding:*`` are for
admins (and, for bindings, the ``service`` role novalite-compute may use).
One difference: ``binding:profile`` may be set by admins too (Neutron: the
service role only), since noauth2 gives novalite-compute an admin context.

A ``name:attribute`` rule is checked, as Neutron does, only when the request
sets that attribute; ``get_<resource>:<attribute>`` hides the attribute from
callers it refuses.  ``field:<collection>:<attr>=<value>`` is Neutron's field
check (``~`` starts a regular expression), registered here.
"""
import re

from oslo_policy import policy

ADMIN = 'rule:admin_only'
SERVICE = 'rule:service_api'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
NET_OWNER_MEMBER = 'role:member and rule:network_owner'
NET_OWNER_READER = 'role:reader and rule:network_owner'


def _or(*checks):
    return ' or '.join('(%s)' % c for c in checks)


ADMIN_OR_SERVICE = _or(ADMIN, SERVICE)
ADMIN_OR_PROJECT_MEMBER = _or(ADMIN, PROJECT_MEMBER)
ADMIN_OR_PROJECT_READER = _or(ADMIN, PROJECT_READER)
ADMIN_OR_NET_OWNER_MEMBER = _or(ADMIN, NET_OWNER_MEMBER)
ADMIN_OR_NET_OWNER_READER = _or(ADMIN, NET_OWNER_READER)


@policy.register('field')
class FieldCheck(policy.Check):
    """Neutron's ``field:networks:shared=True``: compares one attribute of
    the target (``~value`` is a regular expression match)."""

    def __init__(self, kind, match):
        super().__init__(kind, match)
        _resource, field_value = match.split(':', 1)
        self.field, self.value = field_value.split('=', 1)

    def __call__(self, target, creds, enforcer, current_rule=None):
        actual = target.get(self.field)
        if actual is None:
            return False
        if self.value.startswith('~'):
            return re.match(self.value[1:], str(actual)) is not None
        return str(actual) == self.value


_PATHS = {'network': ('/v2.0/networks', '/v2.0/networks/{id}'),
          'subnet': ('/v2.0/subnets', '/v2.0/subnets/{id}'),
          'port': ('/v2.0/ports', '/v2.0/ports/{id}')}
_METHODS = {'create': ('POST', 0), 'update': ('PUT', 1), 'delete': ('DELETE', 1)}


def _rule(name, check_str, description):
    action, _sep, rest = name.partition('_')
    resource = rest.split(':')[0]
    collection, member = _PATHS[resource]
    if action == 'get':
        ops = [{'method': 'GET', 'path': collection}, {'method': 'GET', 'path': member}]
    else:
        method, which = _METHODS[action]
        ops = [{'method': method, 'path': (collection, member)[which]}]
    return policy.DocumentedRuleDefault(name=name, check_str=check_str,
                                        description=description, operations=ops,
                                        scope_types=['project'])


base_rules = [
    policy.RuleDefault('admin_only', 'rule:context_is_admin',
                       'Rule for admin-only access'),
    policy.RuleDefault('service_api', 'role:service',
                       'Default rule for the service-to-service APIs.'),
    policy.RuleDefault('network_owner', 'project_id:%(network:project_id)s',
                       'Rule for network owner access'),
    policy.RuleDefault('shared', 'field:networks:shared=True', 'Rule of shared network'),
    policy.RuleDefault('external', 'field:networks:router:external=True',
                       'Definition of an external network'),
    policy.RuleDefault('network_device', 'field:port:device_owner=~^network:',
                       'Definition of port with network device_owner'),
]

network_rules = [
    _rule('create_network', ADMIN_OR_PROJECT_MEMBER, 'Create a network'),
    _rule('create_network:shared', ADMIN, 'Create a shared network'),
    _rule('create_network:router:external', ADMIN, 'Create an external network'),
    _rule('create_network:port_security_enabled', ADMIN_OR_PROJECT_MEMBER,
          'Specify ``port_security_enabled`` attribute when creating a network'),
    _rule('create_network:provider:network_type', ADMIN,
          'Specify ``provider:network_type`` when creating a network'),
    _rule('create_network:provider:physical_network', ADMIN,
          'Specify ``provider:physical_network`` when creating a network'),
    _rule('create_network:provider:segmentation_id', ADMIN,
          'Specify ``provider:segmentation_id`` when creating a network'),
    _rule('get_network', _or(ADMIN_OR_PROJECT_READER, SERVICE, 'rule:shared',
                             'rule:external'), 'Get a network'),
    _rule('get_network:provider:network_type', ADMIN,
          'Get ``provider:network_type`` attribute of a network'),
    _rule('get_network:provider:physical_network', ADMIN,
          'Get ``provider:physical_network`` attribute of a network'),
    _rule('get_network:provider:segmentation_id', ADMIN,
          'Get ``provider:segmentation_id`` attribute of a network'),
    _rule('update_network', ADMIN_OR_PROJECT_MEMBER, 'Update a network'),
    _rule('update_network:shared', ADMIN, 'Update ``shared`` attribute of a network'),
    _rule('update_network:provider:network_type', ADMIN,
          'Update ``provider:network_type`` attribute of a network'),
    _rule('update_network:provider:physical_network', ADMIN,
          'Update ``provider:physical_network`` attribute of a network'),
    _rule('update_network:provider:segmentation_id', ADMIN,
          'Update ``provider:segmentation_id`` attribute of a network'),
    _rule('update_network:router:external', ADMIN,
          'Update ``router:external`` attribute of a network'),
    _rule('update_network:port_security_enabled', ADMIN_OR_PROJECT_MEMBER,
          'Update ``port_security_enabled`` attribute of a network'),
    _rule('delete_network', ADMIN_OR_PROJECT_MEMBER, 'Delete a network'),
]

subnet_rules = [
    _rule('create_subnet', ADMIN_OR_NET_OWNER_MEMBER, 'Create a subnet'),
    _rule('get_subnet', _or(PROJECT_READER, 'rule:shared', 'rule:external',
                            ADMIN_OR_NET_OWNER_READER, SERVICE), 'Get a subnet'),
    _rule('update_subnet', _or(PROJECT_MEMBER, ADMIN_OR_NET_OWNER_MEMBER), 'Update a subnet'),
    _rule('delete_subnet', _or(PROJECT_MEMBER, ADMIN_OR_NET_OWNER_MEMBER), 'Delete a subnet'),
]

port_rules = [
    _rule('create_port', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared'),
          'Create a port'),
    _rule('create_port:device_id', _or(ADMIN_OR_PROJECT_MEMBER, SERVICE),
          'Specify ``device_id`` attribute when creating a port'),
    _rule('create_port:device_owner', _or('not rule:network_device', ADMIN_OR_SERVICE,
                                          NET_OWNER_MEMBER),
          'Specify ``device_owner`` attribute when creating a port'),
    _rule('create_port:mac_address', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
          'Specify ``mac_address`` attribute when creating a port'),
    _rule('create_port:fixed_ips', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared'),
          'Specify ``fixed_ips`` information when creating a port'),
    _rule('create_port:fixed_ips:ip_address', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
          'Specify IP address in ``fixed_ips`` when creating a port'),
    _rule('create_port:fixed_ips:subnet_id', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER,
                                                 'rule:shared'),
          'Specify subnet ID in ``fixed_ips`` when creating a port'),
    _rule('create_port:port_security_enabled', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
          'Specify ``port_security_enabled`` attribute when creating a port'),
    _rule('create_port:binding:host_id', ADMIN_OR_SERVICE,
          'Specify ``binding:host_id`` attribute when creating a port'),
    _rule('create_port:binding:profile', ADMIN_OR_SERVICE,
          'Specify ``binding:profile`` attribute when creating a port'),
    _rule('create_port:binding:vnic_type', _or(ADMIN_OR_PROJECT_MEMBER, SERVICE),
          'Specify ``binding:vnic_type`` attribute when creating a port'),
    _rule('get_port', _or(ADMIN_OR_SERVICE, NET_OWNER_READER, PROJECT_READER), 'Get a port'),
    _rule('get_port:binding:vif_type', ADMIN_OR_SERVICE,
          'Get ``binding:vif_type`` attribute of a port'),
    _rule('get_port:binding:vif_details', ADMIN_OR_SERVICE,
          'Get ``binding:vif_details`` attribute of a port'),
    _rule('get_port:binding:host_id', ADMIN_OR_SERVICE,
          'Get ``binding:host_id`` attribute of a port'),
    _rule('get_port:binding:profile', ADMIN_OR_SERVICE,
          'Get ``binding:profile`` attribute of a port'),
    _rule('update_port', _or(ADMIN_OR_SERVICE, PROJECT_MEMBER), 'Update a port'),
    _rule('update_port:device_id', _or(ADMIN_OR_PROJECT_MEMBER, SERVICE),
          'Update ``device_id`` attribute of a port'),
    _rule('update_port:device_owner', _or('not rule:network_device', ADMIN_OR_SERVICE,
                                          NET_OWNER_MEMBER),
          'Update ``device_owner`` attribute of a port'),
    _rule('update_port:mac_address', _or(ADMIN_OR_SERVICE,
                                         'role:manager and rule:network_owner'),
          'Update ``mac_address`` attribute of a port'),
    _rule('update_port:fixed_ips', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
          'Specify ``fixed_ips`` information when updating a port'),
    _rule('update_port:fixed_ips:ip_address', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
          'Specify IP address in ``fixed_ips`` information when updating a port'),
    _rule('update_port:fixed_ips:subnet_id', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER,
                                                 'rule:shared'),
          'Specify subnet ID in ``fixed_ips`` information when updating a port'),
    _rule('update_port:port_security_enabled', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
          'Update ``port_security_enabled`` attribute of a port'),
    _rule('update_port:binding:host_id', ADMIN_OR_SERVICE,
          'Update ``binding:host_id`` attribute of a port'),
    _rule('update_port:binding:profile', ADMIN_OR_SERVICE,
          'Update ``binding:profile`` attribute of a port'),
    _rule('update_port:binding:vnic_type', _or(ADMIN_OR_SERVICE, PROJECT_MEMBER),
          'Update ``binding:vnic_type`` attribute of a port'),
    _rule('delete_port', _or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, PROJECT_MEMBER),
          'Delete a port'),
]


def list_rules():
    return base_rules + network_rules + subnet_rules + port_rules
