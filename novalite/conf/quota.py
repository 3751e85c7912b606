"""[quota] options: Nova's default per-project limits (DbQuotaDriver)."""
from oslo_config import cfg

group = cfg.OptGroup('quota', title='Quota options')

opts = [
    cfg.IntOpt('instances', default=10, min=-1, help='Instances per project; -1 is unlimited.'),
    cfg.IntOpt('cores', default=20, min=-1, help='vCPUs per project; -1 is unlimited.'),
    cfg.IntOpt('ram', default=51200, min=-1, help='MB of RAM per project; -1 is unlimited.'),
    cfg.IntOpt('metadata_items', default=128, min=-1, help='Metadata items per server.'),
    cfg.IntOpt('injected_files', default=5, min=-1,
               help='Injected files (personality) per server; -1 is unlimited.'),
    cfg.IntOpt('injected_file_content_bytes', default=10240, min=-1,
               help='Bytes of content per injected file; -1 is unlimited.'),
    cfg.IntOpt('injected_file_path_length', default=255, min=-1,
               help='Length of an injected file path (the quota resource '
                    'injected_file_path_bytes).'),
    cfg.IntOpt('key_pairs', default=100, min=-1, help='Key pairs per user.'),
    cfg.IntOpt('server_groups', default=10, min=-1, help='Server groups per project.'),
    cfg.IntOpt('server_group_members', default=10, min=-1, help='Servers per server group.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
