"""[api] options: authentication and API behaviour; [oslo_middleware]
max_request_body_size, the body size limit (Nova's option, oslo.middleware's
definition)."""
from oslo_config import cfg

api_group = cfg.OptGroup('api', title='API options')

opts = [
    cfg.StrOpt('auth_strategy', default='noauth2', choices=('noauth2', 'keystone'),
               help='"noauth2": the token "user:project" is trusted as is and '
                    'the user "admin" is an administrator (development only). '
                    '"keystone": tokens are validated by keystonemiddleware '
                    'auth_token, configured in [keystone_authtoken].'),
    cfg.IntOpt('max_limit', default=1000, min=0,
               help='Maximum number of items a list request returns.'),
    cfg.BoolOpt('enable_instance_password', default=True,
                help='Return the admin password in the create-server response.'),
    cfg.URIOpt('public_endpoint', schemes=('http', 'https'),
               help='The base URL clients reach novalite-api at, e.g. '
                    'https://cloud.example.com:8774 behind a proxy (as Keystone\'s '
                    '[DEFAULT] public_endpoint). With noauth2 it is used for the '
                    'public interface of the service catalog and the identity '
                    'version links; the paths /v2.1, /image, /network and '
                    '/identity are appended to it. Unset: the address each '
                    'request came to.'),
    cfg.URIOpt('internal_endpoint', schemes=('http', 'https'),
               help='The base URL for the internal and admin interfaces of the '
                    'service catalog (noauth2). Unset: public_endpoint, else the '
                    'address each request came to.'),
]


def register_opts(conf):
    conf.register_group(api_group)
    conf.register_opts(opts, group=api_group)


def register_sizelimit_opts(conf):
    """[oslo_middleware] max_request_body_size: registered by the API's
    WSGI app (novalite/api/wsgi.py), so the other daemons do not import
    oslo.middleware (~20 MiB with webob and jinja2)."""
    from oslo_middleware import sizelimit
    conf.register_opts(sizelimit.OPTS, group='oslo_middleware')


def list_opts():
    from oslo_middleware import sizelimit
    return {api_group.name: opts, 'oslo_middleware': sizelimit.OPTS}
