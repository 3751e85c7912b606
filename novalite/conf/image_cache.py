"""Image cache options: [DEFAULT] force_raw_images and the [image_cache] group.

The compute host keeps one copy of every image it boots from under
``$instances_path/<subdirectory_name>`` (file name: SHA1 of the image id);
instance disks are qcow2 overlays on those base files.
"""
from oslo_config import cfg

default_opts = [
    cfg.BoolOpt('force_raw_images', default=True,
                help='Convert cached base images to raw (qemu-img convert) '
                     'when they are downloaded in another format such as '
                     'qcow2. Raw bases cost disk space but save CPU on every '
                     'read of an overlay.'),
]

group = cfg.OptGroup('image_cache', title='Image cache options')

image_cache_opts = [
    cfg.StrOpt('subdirectory_name', default='_base',
               help='Directory under instances_path holding cached base images.'),
    cfg.IntOpt('manager_interval', default=2400, min=-1,
               help='Seconds between runs of the image cache manager '
                    '(manage_image_cache). 0 runs it at the default periodic '
                    'rate, -1 disables it.'),
    cfg.BoolOpt('remove_unused_base_images', default=True,
                help='Whether the image cache manager removes base images no '
                     'instance on this host uses any more.'),
    cfg.IntOpt('remove_unused_original_minimum_age_seconds', default=86400,
               min=0,
               help='An unused base image is removed only when it has not '
                    'been used (mtime) for at least this many seconds.'),
]


def register_opts(conf):
    conf.register_opts(default_opts)
    conf.register_group(group)
    conf.register_opts(image_cache_opts, group=group)


def list_opts():
    return {'DEFAULT': default_opts, group.name: image_cache_opts}
