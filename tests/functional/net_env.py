"""What the host networking tests share: the check that this host can run
bridges, dnsmasq and iptables (a skip locally, a failure with CI=true),
a free /24 for a test network and hand-made VIFs of novalite's VIF model.
"""
import ipaddress
import os
import random
import shutil
import uuid

from tests import services

TOOLS = ('dnsmasq', 'dhcp_release', 'iptables')


def require_host_networking():
    if os.geteuid() != 0:
        services.unavailable('root (bridges, dnsmasq and iptables need it)')
    for tool in TOOLS:
        if shutil.which(tool) is None:
            services.unavailable('%s (run tools/setup-libvirt.sh)' % tool)
    try:
        from pyroute2 import IPRoute
        with IPRoute() as ipr:
            ipr.get_links()
    except Exception as e:  # noqa: BLE001 - whatever stops netlink
        services.unavailable('netlink (pyroute2): %s' % e)


def free_subnet():
    """A 10.234.x.0/24 no interface of this host sits in (never the
    sandbox's own 192.0.2.0/24)."""
    from novalite.network.linux import bridge
    from pyroute2 import IPRoute
    with IPRoute() as ipr:
        names = [link.get_attr('IFLA_IFNAME') for link in ipr.get_links()]
    used = [a.network for name in names for a in bridge.addresses(name)]
    while True:
        net = ipaddress.ip_network('10.234.%d.0/24' % random.randint(1, 254))
        if not any(net.overlaps(u) for u in used):
            return net


def mac():
    return 'fa:16:3e:%02x:%02x:%02x' % tuple(random.randint(0, 255) for _ in range(3))


def vif(network_id, cidr, host_index, mtu=1400, dns=None, address=None, **network):
    """A bridge VIF (what net-client's compute side stores) with fixed IP
    ``cidr[host_index]`` and the gateway at ``cidr[1]``."""
    cidr = ipaddress.ip_network(cidr)
    port_id = str(uuid.uuid4())
    net = {'id': network_id, 'label': 'net-%s' % network_id[:8], 'meta': {'mtu': mtu},
           'subnets': [{'cidr': str(cidr), 'gateway': {'address': str(cidr[1])},
                        'dns': [{'address': d} for d in dns or []],
                        'ips': [{'address': str(cidr[host_index]), 'type': 'fixed',
                                 'version': 4}],
                        'meta': {}}]}
    net.update(network)
    return {'id': port_id, 'address': address or mac(), 'type': 'bridge',
            'details': {}, 'devname': ('tap' + port_id)[:14], 'network': net}


def fixed_ip(v):
    return v['network']['subnets'][0]['ips'][0]['address']
