"""Schema migrations with alembic: ``novalite-manage db sync``."""
import os

from alembic import command
from alembic.config import Config

from novalite.db import session as db_session

_SCRIPT_DIR = os.path.join(os.path.dirname(__file__), 'migrations')


def _config(connection):
    cfg = Config()
    cfg.set_main_option('script_location', _SCRIPT_DIR)
    cfg.attributes['connection'] = connection
    return cfg


def db_sync(revision='head'):
    """Upgrade the configured database to ``revision``."""
    engine = db_session.get_engine()
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def db_version():
    from alembic.runtime.migration import MigrationContext
    with db_session.get_engine().connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def autogenerate(message):
    """Developer helper: write a new revision from the models' differences."""
    engine = db_session.get_engine()
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
