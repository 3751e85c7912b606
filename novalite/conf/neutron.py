"""[neutron] options: how novalite-api and novalite-compute reach the network
service, named as Nova's (nova/conf/neutron.py).

keystoneauth's loading helpers register the session options (``timeout``,
``cafile``, ``insecure``, ...), the auth options (``auth_type``,
``auth_section`` and, once ``auth_type`` is known, the plugin's own:
``auth_url``, ``username``, ``password``, ``project_name``,
``user_domain_name``, ``project_domain_name``, ...) and the adapter options
(``service_type``, ``valid_interfaces``, ``region_name``,
``endpoint_override``, ...).
"""
from oslo_config import cfg

NEUTRON_GROUP = 'neutron'
DEFAULT_SERVICE_TYPE = 'network'

neutron_group = cfg.OptGroup(
    NEUTRON_GROUP, title='Neutron Options',
    help='Configuration options for neutron (network connectivity as a service): '
         'the embedded network service at /network of novalite-api by default, or a '
         'real Neutron.')

neutron_opts = [
    cfg.IntOpt('http_retries', default=3, min=0,
               help='Number of times a failed connection to the network service is '
                    'retried (0: tried once).'),
    cfg.StrOpt('ovs_bridge', default='br-int',
               help='The Open vSwitch integration bridge an ``ovs`` port plugs into '
                    'when its binding names none (Neutron ML2/OVN and ML2/OVS).'),
]

metadata_proxy_opts = [
    cfg.BoolOpt('service_metadata_proxy', default=False,
                help='When True, Neutron proxies metadata requests and resolves '
                     'instance ids (kept for Nova compatibility; novalite serves no '
                     'metadata API yet).'),
    cfg.StrOpt('metadata_proxy_shared_secret', default='', secret=True,
               help='Shared secret that signs proxied metadata requests '
                    '(X-Metadata-Provider-Signature).'),
]

ALL_OPTS = neutron_opts + metadata_proxy_opts


def register_opts(conf):
    conf.register_group(neutron_group)
    conf.register_opts(ALL_OPTS, group=neutron_group)


def register_keystoneauth_opts(conf):
    """keystoneauth's session, auth and adapter options of [neutron].  The
    Neutron client (novalite/network/neutron.py) registers them when it is
    imported, so a daemon that never talks to Neutron (the scheduler, the
    conductor) does not load keystoneauth and requests (~20 MiB)."""
    from keystoneauth1 import loading as ks_loading
    ks_loading.register_session_conf_options(conf, NEUTRON_GROUP)
    ks_loading.register_auth_conf_options(conf, NEUTRON_GROUP)
    ks_loading.register_adapter_conf_options(conf, NEUTRON_GROUP, include_deprecated=False)
    conf.set_default('service_type', DEFAULT_SERVICE_TYPE, group=NEUTRON_GROUP)
    conf.set_default('valid_interfaces', ['internal', 'public'], group=NEUTRON_GROUP)


def list_opts():
    from keystoneauth1 import loading as ks_loading
    adapter = ks_loading.get_adapter_conf_options(include_deprecated=False)
    for opt in adapter:
        if opt.dest == 'service_type':
            opt.default = DEFAULT_SERVICE_TYPE
        elif opt.dest == 'valid_interfaces':
            opt.default = ['internal', 'public']
    return {NEUTRON_GROUP: (
        ALL_OPTS
        + ks_loading.get_session_conf_options()
        + ks_loading.get_auth_common_conf_options()
        + ks_loading.get_auth_plugin_conf_options('password')
        + adapter)}
