"""The VIF model (Nova's network/model.py, small): what the compute stores
in ``instance.network_info`` and what the virt driver and the host
networking layer read.

``network_info`` is a plain JSON list of VIF dicts, so it crosses RPC and
the database unchanged::

    {'id': <port id>, 'address': <MAC>, 'type': 'bridge',
     'details': {'bridge_name': ..., 'physical_network': ...},
     'devname': 'tap' + <port id>[:11],
     'network': {'id', 'bridge', 'label', 'meta': {'mtu'},
                 'subnets': [{'cidr', 'gateway': {'address'},
                              'dns': [{'address'}],
                              'ips': [{'address', 'type': 'fixed', 'version'}],
                              'meta': {'dhcp_server'}}]}}

The helpers below read that shape; nothing here talks to anything.
"""

VIF_TYPE_BRIDGE = 'bridge'

VIF_DETAILS_BRIDGE_NAME = 'bridge_name'
VIF_DETAILS_PHYSICAL_NETWORK = 'physical_network'

# Linux interface names hold 15 characters; Nova cuts names at 14.
NIC_NAME_LEN = 14
TAP_PREFIX = 'tap'
BRIDGE_PREFIX = 'brq'


def devname(port_id):
    """The guest's tap device for a port: ``tap<port id[:11]>``."""
    return (TAP_PREFIX + port_id)[:NIC_NAME_LEN]


def bridge_name(network_id):
    """The bridge of an isolated network: ``brq<network id[:11]>``."""
    return (BRIDGE_PREFIX + network_id)[:NIC_NAME_LEN]


def network_id(vif):
    return (vif.get('network') or {}).get('id')


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
