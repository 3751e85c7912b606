"""[DEFAULT] options: identity of this host, paths, services, concurrency."""
import os
import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt('host', default=socket.gethostname(), sample_default='<hostname>',
               help='Name of this host. Used as the RPC server name of '
                    'novalite-compute and in the services and compute_nodes '
                    'tables. Must be unique per compute service.'),
    cfg.StrOpt('my_ip', default='127.0.0.1',
               help='IP address of this host, reported in compute_nodes.host_ip.'),
    cfg.StrOpt('state_path', default='$pybasedir/../state',
               sample_default='<checkout>/state',
               help='Top-level directory for novalite state: the SQLite '
                    'database, the image store, instance directories.'),
    cfg.StrOpt('pybasedir',
               default=os.path.abspath(os.path.join(os.path.dirname(__file__), '..')),
               sample_default='<Python package directory>',
               help='Directory where the novalite Python package is installed.'),
    cfg.StrOpt('compute_driver', default='fake',
               help='Hypervisor driver for novalite-compute, by its name in the '
                    'novalite.compute.drivers entry point namespace: "fake" '
                    '(the documented fake driver) or "libvirt".'),
    cfg.StrOpt('instance_name_template', default='instance-%08x',
               help='Template for the hypervisor name of an instance, applied '
                    'to its integer database id.'),
    cfg.IntOpt('report_interval', default=10, min=1,
               help='Seconds between service heartbeats into the services table.'),
    cfg.IntOpt('service_down_time', default=60, min=1,
               help='A service whose last heartbeat is older than this many '
                    'seconds is considered down.'),
    cfg.BoolOpt('enable_new_services', default=True,
                help='A newly enrolled novalite-compute service is enabled when it '
                     'first reports in. When false it is registered disabled '
                     '(reason "New service disabled due to config option.") until '
                     'an administrator enables it.'),
    cfg.StrOpt('default_availability_zone', default='nova',
               help='Availability zone of compute hosts.'),
    cfg.StrOpt('internal_service_availability_zone', default='internal',
               help='Availability zone of the internal services (conductor, '
                    'scheduler), as shown by os-services and os-availability-zone.'),
    cfg.StrOpt('default_schedule_zone',
               help='Availability zone given to servers created without one. '
                    'Unset means any zone.'),
    cfg.IntOpt('max_concurrent_builds', default=10, min=1,
               help='Maximum number of instance builds one novalite-compute '
                    'runs at once (the size of its build thread pool).'),
    cfg.IntOpt('long_rpc_timeout', default=1800, min=1,
               help='Timeout (s) of RPC calls that can take long, such as '
                    'select_destinations; rpc_response_timeout is the '
                    'heartbeat interval while waiting.'),
    cfg.StrOpt('osapi_compute_listen', default='127.0.0.1',
               help='IP address novalite-api listens on.'),
    cfg.PortOpt('osapi_compute_listen_port', default=8774,
                help='Port novalite-api listens on.'),
    cfg.IntOpt('osapi_compute_workers', default=16, min=1,
               help='Number of threads of the API server.'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return {'DEFAULT': opts}
