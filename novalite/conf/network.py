"""[network] options: what "networks": "auto" means on this cloud, and how
each compute host wires its guests (bridges, DHCP, masquerade)."""
from oslo_config import cfg

group = cfg.OptGroup('network', title='Network options')

opts = [
    cfg.StrOpt('backend', default='embedded', choices=('embedded', 'neutron'),
               help='"embedded": novalite-api serves a Neutron v2.0 subset at /network '
                    'and the [neutron] client talks to it (its endpoint defaults to '
                    'novalite-api\'s own URL). "neutron": a real Neutron, found through '
                    '[neutron] endpoint_override or the service catalog.'),
    cfg.StrOpt('default_network',
               help='Name or id of the network a server gets for "networks": "auto" '
                    '(and when the request names no network). Unset: the one '
                    'network visible to the project; with none (or several) '
                    'visible, "auto" is refused with 400 (409 when ambiguous), as '
                    'Nova answers.'),
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
