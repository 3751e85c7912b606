"""Networks for servers: ``none`` (no NIC) and ``auto`` (one NIC).

There is no Neutron here.  ``auto`` gives one VIF whose kind is
``[network] auto_vif_type``: QEMU user-mode networking (zero setup, the guest
sees 10.0.2.15), a host bridge, or a libvirt network.  Requests for specific
networks or ports are refused by the API with a clear 400.
"""
import ipaddress
import random
import uuid as uuidlib

from oslo_config import cfg

CONF = cfg.CONF


def _mac():
    return 'fa:16:3e:%02x:%02x:%02x' % tuple(random.randint(0, 255) for _ in range(3))


def _address(instance):
    net = ipaddress.ip_network(CONF.network.auto_cidr)
    if CONF.network.auto_vif_type == 'user':
        return str(net.network_address + 15)
    # Hosts .1 (gateway) and below .10 are kept free; the rest is by instance id.
    span = max(net.num_addresses - 12, 1)
    return str(net.network_address + 10 + (int(instance.id or 0) % span))


def allocate_for_instance(context, instance, requested_networks):
    """The instance's network_info: a list of VIF dicts."""
    if requested_networks == 'none':
        return []
    net = ipaddress.ip_network(CONF.network.auto_cidr)
    vif_type = CONF.network.auto_vif_type
    return [{
        'id': str(uuidlib.uuid4()),
        'address': _mac(),
        'type': vif_type,
        'bridge': CONF.network.auto_bridge if vif_type == 'bridge' else None,
        'network_name': CONF.network.auto_libvirt_network if vif_type == 'network' else None,
        'network': {'label': CONF.network.auto_network_label,
                    'subnets': [{'cidr': str(net),
                                 'gateway': str(net.network_address + (2 if vif_type == 'user' else 1)),
                                 'ips': [{'address': _address(instance), 'type': 'fixed',
                                          'version': net.version}]}]},
    }]


def deallocate_for_instance(context, instance):
    """Nothing to give back: addresses are derived, not stored."""
