"""[quota] options: Nova's default per-project limits."""
from oslo_config import cfg

group = cfg.OptGroup('quota', title='Quota options')

opts = [
    cfg.IntOpt('instances', default=10, min=-1, help='Instances per project; -1 is unlimited.'),
    cfg.IntOpt('cores', default=20, min=-1, help='vCPUs per project; -1 is unlimited.'),
    cfg.IntOpt('ram', default=51200, min=-1, help='MB of RAM per project; -1 is unlimited.'),
    cfg.IntOpt('metadata_items', default=128, min=-1, help='Metadata items per server.'),
    cfg.IntOpt('key_pairs', default=100, min=-1, help='Key pairs per user.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
