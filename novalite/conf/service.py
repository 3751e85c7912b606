"""Service life options: graceful stop and API workers (names as
oslo.service's and Nova's)."""
from oslo_config import cfg

opts = [
    cfg.IntOpt('graceful_shutdown_timeout', default=60, min=0,
               help='Seconds a daemon stopping on SIGTERM gives its in-flight '
                    'work (RPC requests, builds, HTTP requests) to finish. '
                    'Builds still running then are failed with a fault and '
                    'builds not started yet are handed back to the conductor. '
                    'Keep it below the unit\'s TimeoutStopSec. 0 waits forever.'),
]

wsgi_group = cfg.OptGroup('wsgi', title='API server options')
wsgi_opts = [
    cfg.IntOpt('default_pool_size', default=16, min=1,
               help='Threads per novalite-api worker process, i.e. requests '
                    'one worker serves at once.'),
]


def register_opts(conf):
    conf.register_opts(opts)
    conf.register_group(wsgi_group)
    conf.register_opts(wsgi_opts, group=wsgi_group)


def list_opts():
    return {'DEFAULT': opts, wsgi_group.name: wsgi_opts}
