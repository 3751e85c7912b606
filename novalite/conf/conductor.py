"""[conductor] options."""
from oslo_config import cfg

group = cfg.OptGroup('conductor', title='Conductor options')

opts = [
    cfg.IntOpt('build_timeout', default=600, min=0,
               help='An instance still building (vm_state building) this many '
                    'seconds after creation is set to ERROR with a fault by the '
                    'conductor\'s periodic check, and its claim is released. '
                    'Instances whose compute service is down are failed as soon '
                    'as the service is seen down. 0 disables the age limit.'),
    cfg.IntOpt('stuck_build_check_interval', default=30, min=1,
               help='Seconds between the conductor\'s checks for builds '
                    'that cannot finish (dead compute, timeout).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
