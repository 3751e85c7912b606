"""[network] options: what "networks": "auto" gives a server."""
from oslo_config import cfg

group = cfg.OptGroup('network', title='Network options')

opts = [
    cfg.StrOpt('backend', default='embedded', choices=('embedded', 'neutron'),
               help='Network service: "embedded" (novalite-api serves a Neutron v2.0 '
                    'subset at /network: networks, subnets, ports, IPAM in its '
                    'database) or "neutron" (a real Neutron elsewhere; /network is '
                    'not served).'),
    cfg.StrOpt('auto_vif_type', default='user',
               choices=('user', 'bridge', 'network'),
               help='NIC given for "networks": "auto": "user" (QEMU user-mode '
                    'networking, no setup needed), "bridge" (a host bridge, '
                    'see auto_bridge) or "network" (a libvirt network, see '
                    'auto_libvirt_network).'),
    cfg.StrOpt('auto_bridge', default='br-novalite',
               help='Host bridge used when auto_vif_type is "bridge".'),
    cfg.StrOpt('auto_libvirt_network', default='default',
               help='libvirt network used when auto_vif_type is "network".'),
    cfg.StrOpt('auto_network_label', default='private',
               help='Label of the auto network in a server\'s "addresses".'),
    cfg.StrOpt('auto_cidr', default='10.0.2.0/24',
               help='Subnet of the auto network. For "user" networking QEMU '
                    'always gives 10.0.2.15; for bridges addresses are handed '
                    'out from this range.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
