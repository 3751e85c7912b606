"""Fixtures shared by the unit tests."""
import pytest
from oslo_config import cfg

import novalite.conf  # noqa: F401
from novalite.db import migration
from novalite.db import session as db_session

CONF = cfg.CONF


@pytest.fixture
def database(db_url):
    """A migrated database of each backend (tests/conftest.py db_url),
    novalite's engine pointed at it."""
    CONF.set_override('connection', db_url, 'database')
    db_session.dispose_engine()
    migration.db_sync()
    yield db_url
    db_session.dispose_engine()
    CONF.clear_override('connection', 'database')
