"""Alembic environment: the URL comes from the caller (novalite.db.migration)."""
from alembic import context

from novalite.db import models

config = context.config
target_metadata = models.BASE.metadata


def run_migrations_online():
    connectable = config.attributes.get('connection')
    context.configure(connection=connectable, target_metadata=target_metadata,
                      render_as_batch=connectable.dialect.name == 'sqlite')
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
