"""Compute host options: allocation ratios, reserved resources, periodic tasks."""
from oslo_config import cfg

opts = [
    cfg.IntOpt('vif_plugging_timeout', default=300, min=0,
               help='Seconds to wait, with the guest started paused, for the network '
                    'service to report each port plugged (network-vif-plugged) before '
                    'the guest is resumed. 0 means do not wait. Only ports the network '
                    'service reports DOWN are waited for (a real Neutron); the embedded '
                    'service\'s ports are ACTIVE once bound.'),
    cfg.BoolOpt('vif_plugging_is_fatal', default=True,
                help='Whether a port that is not reported plugged within '
                     'vif_plugging_timeout fails the build (it is then aborted with a '
                     'fault naming the port and the wait) or the guest is resumed '
                     'anyway.'),
    cfg.FloatOpt('cpu_allocation_ratio', default=None, min=0.0,
                 help='Virtual CPUs per physical CPU. Unset means '
                      'initial_cpu_allocation_ratio.'),
    cfg.FloatOpt('ram_allocation_ratio', default=None, min=0.0,
                 help='Virtual RAM per physical RAM. Unset means '
                      'initial_ram_allocation_ratio.'),
    cfg.FloatOpt('disk_allocation_ratio', default=None, min=0.0,
                 help='Virtual disk per physical disk. Unset means '
                      'initial_disk_allocation_ratio.'),
    cfg.FloatOpt('initial_cpu_allocation_ratio', default=4.0, min=0.0,
                 help='CPU allocation ratio used when cpu_allocation_ratio is unset.'),
    cfg.FloatOpt('initial_ram_allocation_ratio', default=1.0, min=0.0,
                 help='RAM allocation ratio used when ram_allocation_ratio is unset.'),
    cfg.FloatOpt('initial_disk_allocation_ratio', default=1.0, min=0.0,
                 help='Disk allocation ratio used when disk_allocation_ratio is unset.'),
    cfg.IntOpt('reserved_host_memory_mb', default=512, min=0,
               help='Memory (MB) kept for the host, never given to instances.'),
    cfg.IntOpt('reserved_host_cpus', default=0, min=0,
               help='Host CPUs kept for the host, never given to instances.'),
    cfg.IntOpt('reserved_host_disk_mb', default=0, min=0,
               help='Disk (MB) kept for the host, never given to instances.'),
    cfg.IntOpt('update_resources_interval', default=60, min=1,
               help='Seconds between runs of update_available_resource, which '
                    'reports the compute nodes and re-counts their usage.'),
    cfg.IntOpt('sync_power_state_interval', default=600,
               help='Seconds between power state syncs with the hypervisor; '
                    'negative disables.'),
    cfg.StrOpt('instances_path', default='$state_path/instances',
               help='Where instance directories live on a compute host.'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return {'DEFAULT': opts}
