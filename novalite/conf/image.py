"""[image] options: where images come from."""
from oslo_config import cfg

group = cfg.OptGroup('image', title='Image service options')

opts = [
    cfg.StrOpt('store_path', default='$state_path/images',
               help='Directory of the built-in image store (files named by '
                    'image id).'),
    cfg.StrOpt('glance_endpoint',
               help='URL of a Glance v2 endpoint (or of another novalite-api\'s '
                    '/image endpoint) that compute hosts download images from. '
                    'Unset means compute reads the built-in store\'s files '
                    'directly (all-in-one or shared storage).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
