"""[scheduler] and [filter_scheduler] options."""
from oslo_config import cfg

scheduler_group = cfg.OptGroup('scheduler', title='Scheduler options')
filter_group = cfg.OptGroup('filter_scheduler', title='Filter scheduler options')

scheduler_opts = [
    cfg.IntOpt('max_attempts', default=3, min=1,
               help='Hosts tried per instance: the selected host plus up to '
                    'max_attempts - 1 alternates for rescheduling.'),
    cfg.IntOpt('wait_for_down_hosts', default=120, min=0,
               help='When no compute host is up but an enabled one that the '
                    'instance has not tried yet went down less than this many '
                    'seconds ago, builds wait for it (the '
                    'conductor drives them again every [conductor] '
                    'build_resume_deadline) instead of failing at once with '
                    'NoValidHost: a broker or conductor outage stops the '
                    'heartbeats of computes that are fine. 0 fails them at '
                    'once, as Nova does.'),
]

filter_opts = [
    cfg.ListOpt('enabled_filters',
                default=['ComputeFilter', 'AvailabilityZoneFilter', 'RamFilter',
                         'CoreFilter', 'DiskFilter', 'RetryFilter'],
                help='Filters applied in order, by name in the '
                     'novalite.scheduler.filters entry point namespace.'),
    cfg.ListOpt('weight_classes', default=['RAMWeigher'],
                help='Weighers, by name in the novalite.scheduler.weighers '
                     'entry point namespace.'),
    cfg.FloatOpt('ram_weight_multiplier', default=1.0,
                 help='Positive spreads instances by free RAM, negative stacks.'),
    cfg.IntOpt('host_subset_size', default=1, min=1,
               help='The chosen host is picked at random among this many best '
                    'hosts. Hosts with equal weight always share the top: '
                    'equal hosts share load.'),
]


def register_opts(conf):
    conf.register_group(scheduler_group)
    conf.register_opts(scheduler_opts, group=scheduler_group)
    conf.register_group(filter_group)
    conf.register_opts(filter_opts, group=filter_group)


def list_opts():
    return {scheduler_group.name: scheduler_opts, filter_group.name: filter_opts}
