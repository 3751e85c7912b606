"""[network] options: what "networks": "auto" means on this cloud."""
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
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
