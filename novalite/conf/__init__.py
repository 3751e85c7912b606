"""All novalite options, registered on the global ``cfg.CONF``.

oslo.messaging only works with the global ``cfg.CONF`` (it registers some of its
options there), which is what Nova does too.  One module per option group.
"""
from oslo_config import cfg

from novalite.conf import api
from novalite.conf import compute
from novalite.conf import conductor
from novalite.conf import database
from novalite.conf import default
from novalite.conf import fake_driver
from novalite.conf import glance
from novalite.conf import image
from novalite.conf import image_cache
from novalite.conf import libvirt
from novalite.conf import network
from novalite.conf import neutron
from novalite.conf import notifications
from novalite.conf import quota
from novalite.conf import rpc_auth
from novalite.conf import scheduler

CONF = cfg.CONF

MODULES = (default, api, compute, conductor, database, fake_driver, glance, image,
           image_cache, libvirt, network, neutron, notifications, quota, rpc_auth,
           scheduler)

for _mod in MODULES:
    _mod.register_opts(CONF)


def _register_transport_url():
    """oslo.messaging registers transport_url only when a transport is made;
    novalite reads it earlier (to choose a default), so register it now."""
    import oslo_messaging.opts
    for group, opts in oslo_messaging.opts.list_opts():
        if group in (None, 'DEFAULT'):
            for opt in opts:
                if opt.name == 'transport_url':
                    CONF.register_opt(opt)


_register_transport_url()
