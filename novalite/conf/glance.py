"""[glance] options: use a real Glance as the image service."""
from oslo_config import cfg

group = cfg.OptGroup('glance', title='Glance options')

opts = [
    cfg.ListOpt('api_servers',
                help='Glance endpoints (e.g. http://controller:9292 or '
                     'http://controller/image); the first one is used. When '
                     'set, novalite-api looks images up in that Glance over '
                     'HTTP, compute hosts download from it, and novalite-api '
                     'does not serve its own /image endpoint. Unset means the '
                     'built-in image store.'),
    cfg.IntOpt('timeout', default=60, min=1,
               help='Seconds to wait for a Glance metadata request.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
