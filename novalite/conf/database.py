"""[database] options."""
from oslo_config import cfg

group = cfg.OptGroup('database', title='Database options')

opts = [
    cfg.StrOpt('connection', secret=True,
               default='sqlite:///$state_path/novalite.sqlite',
               help='SQLAlchemy URL of the database, e.g. '
                    'postgresql+psycopg://user:pw@host/novalite or '
                    'mysql+pymysql://user:pw@host/novalite. novalite-compute '
                    'never reads this: it reaches the database through the '
                    'conductor.'),
    cfg.IntOpt('max_pool_size', default=10, min=1,
               help='Size of the SQLAlchemy connection pool.'),
    cfg.IntOpt('max_overflow', default=20, min=0,
               help='Connections allowed beyond max_pool_size.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
