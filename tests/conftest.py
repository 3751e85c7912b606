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


@pytest.fixture(scope='module')
def module_cloud(tmp_path_factory):
    """One running cloud (PostgreSQL, a RabbitMQ vhost, one fake compute, the
    seeded catalog and one shared network) shared by every test of a module: for API contract tests
    that do not depend on the SQL backend.  Mark the module with
    ``pytestmark = pytest.mark.xdist_group('<module>')`` so one worker runs it.
    """
    from tests.cloud import private_cloud
    with private_cloud(tmp_path_factory.mktemp('cloud')) as cloud:
        yield cloud.start().seed_catalog().seed_network()
