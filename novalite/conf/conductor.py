"""[conductor] options."""
from oslo_config import cfg

group = cfg.OptGroup('conductor', title='Conductor options')

opts = [
    cfg.IntOpt('build_timeout', default=600, min=0,
               help='The last resort: an instance still building (vm_state '
                    'building) this many seconds after creation is set to ERROR '
                    'with a fault naming the step it was stuck in, and its claim '
                    'is released. Before that, stalled builds are driven again '
                    '(build_resume_deadline). 0 disables the age limit.'),
    cfg.IntOpt('build_resume_deadline', default=20, min=1,
               help='Seconds a building instance may go without progress (no '
                    'change to the instance, no drive of its build) before any '
                    'conductor drives its build again: cast once more to its '
                    'compute host when that host is up, rescheduled to the next '
                    'alternate when it is down, scheduled again when it never '
                    'reached a host. Each drive is safe to repeat.'),
    cfg.IntOpt('stuck_build_check_interval', default=5, min=1,
               help='Seconds between each conductor\'s look in the database '
                    'for stalled builds (see build_resume_deadline). Every '
                    'conductor looks; one claims each build.'),
    cfg.IntOpt('call_timeout', default=30, min=1,
               help='Seconds novalite-compute waits for the conductor to answer '
                    'one try of a call (instance saves, claims, events).'),
    cfg.IntOpt('call_retry_timeout', default=600, min=0,
               help='Seconds novalite-compute keeps retrying a call to the '
                    'conductor that got no answer (broker or conductor restart, '
                    'database outage) before the step fails. 0: no retries.'),
]

def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
