import pytest

from tests import services


@pytest.fixture(params=services.BACKENDS)
def db_url(request, tmp_path):
    url, drop = services.create_database(request.param, tmp_path)
    yield url
    drop()


@pytest.fixture
def rabbit_url():
    """A RabbitMQ vhost per test: daemons of one test can never answer
    another test's calls."""
    url, delete = services.create_vhost()
    yield url
    delete()
