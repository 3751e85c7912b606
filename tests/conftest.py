import pytest

from tests import services


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Refuse to run when ``--dist loadgroup`` would ignore the groups.

    Tests that share a host-wide device (OVN's br-int) or a module-wide cloud
    rely on their ``xdist_group`` running on one worker; a pytest/xdist pair
    that silently drops the groups (pytest 9 with xdist 3.8) makes them run on
    both workers at once and fail in ways that look like flakes.
    """
    workerinput = getattr(config, 'workerinput', None)
    # pytest 9 does not even pass --dist to the workers: read the command line
    if not workerinput or 'loadgroup' not in ' '.join(workerinput.get('mainargv', ())):
        return
    for item in items:
        if item.get_closest_marker('xdist_group') and '@' not in item.nodeid:
            raise pytest.UsageError(
                '--dist loadgroup ignored the xdist_group of %s: this pytest-xdist does '
                'not support this pytest (see test-requirements.txt)' % item.nodeid)


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
