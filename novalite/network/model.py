"""The VIF model (Nova's network/model.py, small): what the compute stores in
``instances.network_info`` (JSON) and what the virt driver and the host
networking layer (network/linux) read.

The classes are dicts, so ``network_info`` crosses RPC and the database as a
plain JSON list of VIF dicts::

    {'id': <port id>, 'address': <MAC>, 'type': 'bridge',
     'details': {'bridge_name': ..., 'physical_network': ...},
     'devname': 'tap' + <port id>[:11], 'active': bool,
     'preserve_on_delete': bool,      # a port the user passed in: kept on delete
     'network': {'id', 'bridge', 'label', 'meta': {'mtu', 'physical_network'},
                 'subnets': [{'cidr', 'version', 'gateway': {'address', ...},
                              'dns': [{'address', ...}],
                              'ips': [{'address', 'type': 'fixed', 'version'}],
                              'meta': {'dhcp_server'}}]}}

The helpers below read that shape; nothing here talks to anything.
"""
import ipaddress

VIF_TYPE_BRIDGE = 'bridge'
VIF_DETAILS_BRIDGE_NAME = 'bridge_name'
VIF_DETAILS_PHYSICAL_NETWORK = 'physical_network'

# Linux interface names hold 15 characters; Nova cuts names at 14.
NIC_NAME_LEN = 14
TAP_PREFIX = 'tap'
BRIDGE_PREFIX = 'brq'


class Model(dict):
    """A dict whose keys are also attributes (Nova's network model base)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class IP(Model):
    def __init__(self, address, type=None, version=None, **kwargs):
        version = version or ipaddress.ip_address(address).version
        super().__init__(address=address, type=type, version=version,
                         meta=kwargs.pop('meta', {}), **kwargs)


class FixedIP(IP):
    def __init__(self, address, **kwargs):
        kwargs.setdefault('type', 'fixed')
        kwargs.setdefault('floating_ips', [])
        super().__init__(address, **kwargs)


class Subnet(Model):
    def __init__(self, cidr, gateway=None, dns=(), ips=(), routes=(), meta=None):
        super().__init__(cidr=cidr, version=ipaddress.ip_network(cidr, strict=False).version,
                         gateway=gateway, dns=list(dns), ips=list(ips),
                         routes=list(routes), meta=meta or {})


class Network(Model):
    def __init__(self, id, bridge=None, label=None, subnets=(), meta=None):
        super().__init__(id=id, bridge=bridge, label=label, subnets=list(subnets),
                         meta=meta or {})


class VIF(Model):
    def __init__(self, id, address, network, type, details=None, devname=None,
                 active=False, preserve_on_delete=False, vnic_type='normal',
                 profile=None, meta=None):
        super().__init__(id=id, address=address, network=network, type=type,
                         details=details or {}, devname=devname or make_devname(id),
                         active=active, preserve_on_delete=preserve_on_delete,
                         vnic_type=vnic_type, profile=profile or {}, meta=meta or {})


def devname(port_id):
    """The guest's tap device for a port: ``tap<port id[:11]>``."""
    return (TAP_PREFIX + port_id)[:NIC_NAME_LEN]


make_devname = devname      # VIF's own ``devname`` argument shadows the function


def bridge_name(network_id):
    """The bridge of an isolated network: ``brq<network id[:11]>``."""
    return (BRIDGE_PREFIX + network_id)[:NIC_NAME_LEN]


# -- readers of a stored VIF dict ------------------------------------------------
def network_id(vif):
    return (vif.get('network') or {}).get('id')


def bridge(vif):
    """The bridge a VIF plugs into: the network's, else the binding's."""
    return ((vif.get('network') or {}).get('bridge')
            or (vif.get('details') or {}).get(VIF_DETAILS_BRIDGE_NAME))


def physical_network(vif):
    """The provider physical network of a VIF (flat networks), or None."""
    details = vif.get('details') or {}
    meta = (vif.get('network') or {}).get('meta') or {}
    return details.get(VIF_DETAILS_PHYSICAL_NETWORK) or meta.get('physical_network')


def mtu(vif):
    return ((vif.get('network') or {}).get('meta') or {}).get('mtu')


def subnets(vif):
    return (vif.get('network') or {}).get('subnets') or []


def gateway(subnet):
    return (subnet.get('gateway') or {}).get('address')


def fixed_ips(vif):
    """[(subnet, address)] of the VIF's fixed addresses."""
    return [(subnet, ip['address']) for subnet in subnets(vif)
            for ip in subnet.get('ips') or [] if ip.get('type', 'fixed') == 'fixed']
