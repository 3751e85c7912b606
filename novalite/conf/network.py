"""[network] options: what "networks": "auto" gives a server, and how each
compute host wires its guests (bridges, DHCP, masquerade)."""
from oslo_config import cfg

group = cfg.OptGroup('network', title='Network options')

opts = [
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
    cfg.DictOpt('physical_bridge_mappings', default={},
                help='Flat provider networks: physical network name to an existing '
                     'host bridge the operator set up, e.g. "physnet1:br0". Guests '
                     'on such a network sit on that bridge (the operator\'s LAN); '
                     'other networks get a bridge of their own (brq<network id>).'),
    cfg.BoolOpt('masquerade', default=True,
                help='NAT the subnets of isolated (non-provider) networks out '
                     'through this host (iptables MASQUERADE), with the subnet\'s '
                     'gateway address on the network\'s bridge.'),
    cfg.IntOpt('dhcp_lease_duration', default=86400, min=120,
               help='DHCP lease time, in seconds, that dnsmasq hands out.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
