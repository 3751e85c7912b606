"""The embedded network service's errors, named and worded as Neutron's
(neutron_lib.exceptions, neutron.ipam.exceptions): the class name is the
``type`` of the ``NeutronError`` body a client sees.  They carry no HTTP
knowledge; novalite/api/network/faults.py maps the bases to status codes.
"""


class NeutronException(Exception):
    message = 'An unknown exception occurred.'

    def __init__(self, **kwargs):
        try:
            self.msg = self.message % kwargs
        except (KeyError, TypeError):
            self.msg = self.message
        super().__init__(self.msg)

    def __str__(self):
        return self.msg


class BadRequest(NeutronException):
    message = 'Bad %(resource)s request: %(msg)s.'


class NotFound(NeutronException):
    pass


class Conflict(NeutronException):
    pass


class InUse(NeutronException):
    message = 'The resource is in use.'


class NotAuthorized(NeutronException):
    message = 'Not authorized.'


class ServiceUnavailable(NeutronException):
    message = 'The service is unavailable.'


class PolicyNotAuthorized(NotAuthorized):
    message = '%(action)s is disallowed by policy'


class NetworkNotFound(NotFound):
    message = 'Network %(net_id)s could not be found.'


class SubnetNotFound(NotFound):
    message = 'Subnet %(subnet_id)s could not be found.'


class PortNotFound(NotFound):
    message = 'Port %(port_id)s could not be found.'


class ExtensionNotFound(NotFound):
    message = 'Extension with alias %(extension_alias)s does not exist'


class NetworkInUse(InUse):
    message = ('Unable to complete operation on network %(net_id)s. '
               'There are one or more ports still in use on the network, id for these '
               'ports is: %(port_ids)s.')


class SubnetInUse(InUse):
    message = ('Unable to complete operation on subnet %(subnet_id)s: '
               'One or more ports have an IP allocation from this subnet.')


class MacAddressInUse(InUse):
    message = ('Unable to complete operation for network %(net_id)s. '
               'The mac address %(mac)s is in use.')


class FlatNetworkInUse(InUse):
    message = ('Unable to create the flat network. Physical network '
               '%(physical_network)s is in use.')


class PortBound(InUse):
    message = ('Unable to complete operation on port %(port_id)s, port is already '
               'bound, port type: %(vif_type)s, old_mac %(old_mac)s, '
               'new_mac %(new_mac)s.')


class IpAddressAlreadyAllocated(Conflict):
    message = 'IP address %(ip)s already allocated in subnet %(subnet_id)s'


class IpAddressGenerationFailure(Conflict):
    message = 'No more IP addresses available on network %(net_id)s.'


class MacAddressGenerationFailure(ServiceUnavailable):
    message = 'Unable to generate unique mac on network %(net_id)s.'


class InvalidInput(BadRequest):
    message = 'Invalid input for operation: %(error_message)s.'


class InvalidIpForNetwork(BadRequest):
    message = ('IP address %(ip_address)s is not a valid IP for any of the subnets '
               'on the specified network.')


class InvalidIpForSubnet(BadRequest):
    message = 'IP address %(ip_address)s is not a valid IP for the specified subnet.'


class InvalidAllocationPool(BadRequest):
    message = 'The allocation pool %(pool)s is not valid.'


class OutOfBoundsAllocationPool(BadRequest):
    message = 'The allocation pool %(pool)s spans beyond the subnet cidr %(subnet_cidr)s.'


class OverlappingAllocationPools(Conflict):
    message = ('Found overlapping allocation pools: %(pool_1)s %(pool_2)s for subnet '
               '%(subnet_cidr)s.')


class GatewayConflictWithAllocationPools(InUse):
    message = 'Gateway ip %(ip_address)s conflicts with allocation pool %(pool)s.'


class DNSNameServersExhausted(BadRequest):
    message = ('Unable to complete operation for %(subnet_id)s. The number of DNS '
               'nameservers exceeds the limit %(quota)s.')


class HostRoutesExhausted(BadRequest):
    message = ('Unable to complete operation for %(subnet_id)s. The number of host '
               'routes exceeds the limit %(quota)s.')


class HTTPBadRequest(BadRequest):
    """What Neutron raises as webob's HTTPBadRequest (the body checks): the
    client sees the type ``HTTPBadRequest``."""
    message = '%(msg)s'


class HTTPNotFound(NotFound):
    message = 'The resource could not be found.'


class InvalidSharedSetting(Conflict):
    message = ('Unable to reconfigure sharing settings for network %(network)s. '
               'Multiple projects are using it.')


class GatewayIpInUse(InUse):
    message = ('Current gateway ip %(ip_address)s already in use by port %(port_id)s. '
               'Unable to update.')
