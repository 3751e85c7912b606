"""[upgrade_levels]: caps on the RPC versions a service sends (Nova's), so a
rolling upgrade can keep new senders talking to older receivers."""
from oslo_config import cfg

group = cfg.OptGroup('upgrade_levels', title='RPC version caps during rolling upgrades')

opts = [
    cfg.StrOpt('compute', help='Highest compute RPC version to send (e.g. 6.0 while some '
                               'computes are older); unset: no cap.'),
    cfg.StrOpt('conductor', help='Highest conductor RPC version to send; unset: no cap.'),
    cfg.StrOpt('compute_task', help='Highest compute_task (build) RPC version to send; '
                                    'unset: no cap.'),
    cfg.StrOpt('scheduler', help='Highest scheduler RPC version to send; unset: no cap.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
