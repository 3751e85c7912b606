"""[api] options: authentication and API behaviour; [oslo_middleware]
max_request_body_size, the body size limit (Nova's option, oslo.middleware's
definition)."""
from oslo_config import cfg
from oslo_middleware import sizelimit

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
]


def register_opts(conf):
    conf.register_group(api_group)
    conf.register_opts(opts, group=api_group)
    conf.register_opts(sizelimit.OPTS, group='oslo_middleware')


def list_opts():
    return {api_group.name: opts, 'oslo_middleware': sizelimit.OPTS}
