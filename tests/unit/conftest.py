"""Fixtures shared by the unit tests."""
import pytest

from tests import services


@pytest.fixture
def database(db_url):
    """A migrated database of each backend (tests/conftest.py db_url),
    novalite's engine pointed at it."""
    with services.novalite_engine_on(db_url) as url:
        yield url
