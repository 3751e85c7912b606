"""A claim reads only the instances it claims, however many the host already
runs (issue 13; Nova's claim reads every instance on the host).  Measured by
PostgreSQL itself: the rows of ``instances`` the claim's transaction read
(``pg_stat_xact_user_tables``), with none and with 3,000 instances present."""
import pytest
import sqlalchemy as sa

from novalite.db import api as db
from novalite.db import hosts
from novalite.db import session as db_session
from tests import services

PRESENT = 3000
READ = sa.text("SELECT seq_tup_read + coalesce(idx_tup_fetch, 0) FROM "
               "pg_stat_xact_user_tables WHERE relname = 'instances'")


@pytest.fixture
def postgresql(tmp_path):
    url, drop = services.create_database('postgresql', tmp_path)
    try:
        with services.novalite_engine_on(url):
            yield url
    finally:
        drop()


class Ctx:
    request_id, user_id, project_id = 'req-1', 'u1', 'p1'


def _instances(prefix, count):
    uuids = ['%s-0000-0000-0000-%012d' % (prefix, i) for i in range(count)]
    db.instance_create_many(Ctx(), [{
        'uuid': u, 'project_id': 'p1', 'user_id': 'u1', 'vm_state': 'building',
        'task_state': 'spawning', 'memory_mb': 64, 'vcpus': 1, 'root_gb': 1,
        'ephemeral_gb': 0, 'swap': 0, 'host': 'h1', 'display_name': u} for u in uuids])
    return uuids


def _claim_reads(uuids):
    """Rows of instances read by claiming ``uuids`` on h1, and by a read of
    the host's instances in the same transaction (the control)."""
    with db_session.core_writer(immediate=True) as conn:
        before = conn.execute(READ).scalar()
        refused = hosts.instance_claims_in(conn, uuids, 'h1', 'h1')
        claim = conn.execute(READ).scalar() - before
        conn.execute(sa.text("SELECT sum(memory_mb) FROM instances WHERE host = 'h1'"))
        host_read = conn.execute(READ).scalar() - before - claim
    assert refused == {u: None for u in uuids}
    return claim, host_read


def test_a_claim_reads_only_its_instances_with_thousands_present(postgresql):
    hosts.service_heartbeat('h1', 'novalite-compute', 'compute')
    hosts.compute_node_report(
        'h1', {'hypervisor_hostname': 'h1', 'vcpus': 10000, 'memory_mb': 10 ** 7,
               'local_gb': 10 ** 5}, {'memory_mb': 0, 'vcpus': 0, 'disk_gb': 0},
        {'cpu': 1.0, 'ram': 1.0, 'disk': 1.0})
    alone, _ = _claim_reads(_instances('aaaaaaaa', 2))
    hosts.instance_claims(_instances('bbbbbbbb', PRESENT), 'h1', 'h1')
    with db_session.get_engine().connect() as conn:      # as autovacuum does after a load
        conn.execution_options(isolation_level='AUTOCOMMIT').execute(sa.text('ANALYZE'))
    crowded, host_read = _claim_reads(_instances('cccccccc', 2))
    assert host_read >= PRESENT             # the counter sees a read of the host
    assert crowded <= max(alone, 2), (alone, crowded)
    assert hosts.compute_node_get_all('h1')[0]['running_vms'] == PRESENT + 4
