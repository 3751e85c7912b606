"""[fake_driver] options: the in-product fake hypervisor (novalite/virt/fake.py)."""
from oslo_config import cfg

group = cfg.OptGroup('fake_driver', title='Fake hypervisor driver',
                     help='The fake driver pretends to be a hypervisor: spawn '
                          'does no I/O. It exists for tests, benchmarks and '
                          'scale testing of everything above the driver.')

opts = [
    cfg.IntOpt('nodes', default=1, min=1,
               help='Number of nodes (compute_nodes rows) this compute host '
                    'reports. One node is named after the host; more are '
                    'named <host>-node<N>.'),
    cfg.IntOpt('vcpus', default=1000, min=1, help='vCPUs per node.'),
    cfg.IntOpt('memory_mb', default=800000, min=1, help='Memory (MB) per node.'),
    cfg.IntOpt('local_gb', default=600000, min=1, help='Disk (GB) per node.'),
    cfg.FloatOpt('spawn_delay', default=0.0, min=0.0,
                 help='Seconds spawn takes, to imitate a hypervisor.'),
    cfg.FloatOpt('spawn_failure_rate', default=0.0, min=0.0, max=1.0,
                 help='Probability that spawn fails (failure injection). '
                      'A failed spawn is rescheduled, as in Nova.'),
    cfg.StrOpt('spawn_failure_name_regex',
               help='Spawn fails for instances whose display name matches '
                    'this regular expression (failure injection).'),
    cfg.StrOpt('spawn_abort_name_regex',
               help='Spawn fails with an abort-class error (the image is '
                    'unacceptable), which is never rescheduled, for instances '
                    'whose display name matches this regular expression.'),
    cfg.StrOpt('slow_spawn_name_regex',
               help='Instances whose display name matches this regular '
                    'expression take slow_spawn_delay seconds to spawn instead '
                    'of spawn_delay (a build caught mid-spawn).'),
    cfg.FloatOpt('slow_spawn_delay', default=60.0, min=0.0,
                 help='Seconds spawn takes for slow_spawn_name_regex matches.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
