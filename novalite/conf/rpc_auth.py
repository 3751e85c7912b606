"""[rpc_auth] options: the service identity every RPC message is signed with."""
from oslo_config import cfg

group = cfg.OptGroup('rpc_auth', title='Service identity and signed RPC')

opts = [
    cfg.StrOpt('key_file',
               help='Private key file of this service (written by "novalite-manage '
                    'service enrol BINARY HOST"; readable only by the service user). '
                    'Unset means <state_path>/keys/<binary>.<host>.key.'),
    cfg.StrOpt('trusted_keys_file',
               help='Public keys of the control-plane services (api, conductor, '
                    'scheduler) for a service without database access '
                    '(novalite-compute), written by "novalite-manage service '
                    'trusted-keys". Unset means <state_path>/keys/trusted_keys.json.'),
    cfg.IntOpt('message_ttl', default=60, min=1,
               help='Seconds a signed RPC message stays valid; older (or '
                    'further in the future) messages are refused, and nonces '
                    'are remembered this long to refuse replays.'),
    cfg.IntOpt('key_cache_ttl', default=30, min=0,
               help='Seconds a public key read from the database is cached; '
                    'a re-enrolled or removed key takes effect after at most this long.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
