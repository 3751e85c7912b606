"""The schema and the claim, on SQLite, PostgreSQL and MariaDB."""
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from oslo_config import cfg
from sqlalchemy import event as sa_event

import novalite.conf  # noqa: F401
from novalite.db import api as db
from novalite.db import hosts
from novalite.db import models
from novalite.db import session as db_session
from novalite import exception

CONF = cfg.CONF


def test_migrations_match_models(database):
    with db_session.get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), models.BASE.metadata)
    assert diff == []


def _node(ram_mb, vcpus=4, disk=10, host='h1'):
    hosts.service_heartbeat(host, 'novalite-compute', 'compute')
    return hosts.compute_node_report(
        host, {'hypervisor_hostname': host, 'vcpus': vcpus, 'memory_mb': ram_mb,
               'local_gb': disk}, {'memory_mb': 0, 'vcpus': 0, 'disk_gb': 0},
        {'cpu': 1.0, 'ram': 1.0, 'disk': 1.0})


def _instance(uuid, host='h1', ram=512, project='p1'):
    class Ctx:
        request_id, user_id, project_id = 'req-1', 'u1', project
    db.instance_create_many(Ctx(), [{
        'uuid': uuid, 'project_id': project, 'user_id': 'u1', 'vm_state': 'building',
        'task_state': 'scheduling', 'memory_mb': ram, 'vcpus': 1, 'root_gb': 1,
        'ephemeral_gb': 0, 'swap': 0, 'host': host, 'display_name': uuid}])


def test_two_builds_racing_for_the_last_slot_cannot_both_win(database):
    _node(ram_mb=512)
    uuids = ['00000000-0000-0000-0000-%012d' % i for i in range(8)]
    for u in uuids:
        _instance(u)
    results, barrier = {}, threading.Barrier(len(uuids))

    def claim(u):
        barrier.wait()
        try:
            hosts.instance_claim(u, 'h1', 'h1')
            results[u] = 'won'
        except exception.ComputeResourcesUnavailable:
            results[u] = 'full'
    threads = [threading.Thread(target=claim, args=(u,)) for u in uuids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results.values()) == ['full'] * 7 + ['won']
    node = hosts.compute_node_get_all('h1')[0]
    assert (node['memory_mb_used'], node['vcpus_used'], node['running_vms']) == (512, 1, 1)


def test_one_instance_claimed_by_racing_calls_counts_once(database):
    """The same claim from several conductors at once (a call retried while
    its first try still runs): the node counts the instance once."""
    _node(ram_mb=8192)
    uuid = '22222222-2222-2222-2222-222222222222'
    _instance(uuid)
    barrier, errors = threading.Barrier(6), []

    def claim():
        barrier.wait()
        try:
            hosts.instance_claim(uuid, 'h1', 'h1')
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=claim) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    node = hosts.compute_node_get_all('h1')[0]
    assert (node['memory_mb_used'], node['vcpus_used'], node['running_vms']) == (512, 1, 1)


def test_claim_is_released_exactly_once_and_recounted(database):
    _node(ram_mb=2048)
    _instance('11111111-1111-1111-1111-111111111111')
    hosts.instance_claim('11111111-1111-1111-1111-111111111111', 'h1', 'h1')
    assert hosts.abort_instance_claim('11111111-1111-1111-1111-111111111111') is True
    assert hosts.abort_instance_claim('11111111-1111-1111-1111-111111111111') is False
    node = hosts.compute_node_get_all('h1')[0]
    assert (node['memory_mb_used'], node['running_vms'], node['free_ram_mb']) == (0, 0, 2048)
    # the periodic report recounts usage from the claims: nothing drifted
    assert _node(ram_mb=2048)['memory_mb_used'] == 0


def test_batch_claim_reads_the_node_with_the_instances(database):
    """The node's id comes with the locked instance rows (one statement):
    the claim sets it, a repeat finds it, and a node of another host, or
    none, refuses the claim and writes nothing."""
    _node(ram_mb=4096)
    _node(ram_mb=4096, host='h2')
    uuids = ['33333333-3333-3333-3333-%012d' % i for i in range(3)]
    for u in uuids:
        _instance(u)
    node_id = hosts.compute_node_get_all('h1')[0]['id']
    for nodename in ('h2', 'nosuch'):
        with db_session.core_writer(immediate=True) as conn:
            refused = hosts.instance_claims_in(conn, uuids[:2], 'h1', nodename)
        assert {type(e) for e in refused.values()} == {exception.ComputeResourcesUnavailable}
        assert all('unknown node %s' % nodename in e.format_message()
                   for e in refused.values())
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement.split()[0].upper())
    engine = db_session.get_engine()
    for attempt in range(2):             # the second: a repeated call
        written = {}
        with db_session.core_writer(immediate=True) as conn:
            sa_event.listen(engine, 'before_cursor_execute', count)
            try:
                assert hosts.instance_claims_in(conn, uuids[:2], 'h1', 'h1', written) == {
                    uuids[0]: None, uuids[1]: None}
            finally:
                sa_event.remove(engine, 'before_cursor_execute', count)
        assert {w['compute_id'] for w in written.values()} == {node_id}
    # the rows with the node's id, the node's usage, the instances' node; then
    # the repeat reads only
    assert statements == ['SELECT', 'UPDATE', 'UPDATE', 'SELECT']
    with db_session.core_writer(immediate=True) as conn:
        missing = hosts.instance_claims_in(conn, ['44444444-4444-4444-4444-444444444444'],
                                           'h1', 'h1')
    assert isinstance(missing['44444444-4444-4444-4444-444444444444'],
                      exception.InstanceNotFound)
    claimed = {i.uuid: i for i in db.instance_get_all_by_filters({'host': 'h1'})}
    assert [claimed[u].compute_id for u in uuids] == [node_id, node_id, None]
    node = hosts.compute_node_get_all('h1')[0]
    assert (node['memory_mb_used'], node['running_vms']) == (1024, 2)
    assert hosts.compute_node_get_all('h2')[0]['memory_mb_used'] == 0


def test_claim_refuses_an_instance_scheduled_elsewhere(database):
    _node(ram_mb=2048)
    _node(ram_mb=2048, host='h2')
    _instance('22222222-2222-2222-2222-222222222222', host='h2')
    with pytest.raises(exception.NotAllowedByHost):
        hosts.instance_claim('22222222-2222-2222-2222-222222222222', 'h1', 'h1')
    with pytest.raises(exception.NotAllowedByHost):
        db.instance_update('22222222-2222-2222-2222-222222222222', {'vm_state': 'active'},
                           expected_host='h1')


def test_destroy_releases_the_claim(database):
    _node(ram_mb=2048)
    _instance('33333333-3333-3333-3333-333333333333')
    hosts.instance_claim('33333333-3333-3333-3333-333333333333', 'h1', 'h1')
    db.instance_destroy('33333333-3333-3333-3333-333333333333')
    assert hosts.compute_node_get_all('h1')[0]['memory_mb_used'] == 0
    with pytest.raises(exception.InstanceNotFound):
        db.instance_get_by_uuid('33333333-3333-3333-3333-333333333333')


def test_two_services_registering_at_once_both_get_a_row(database):
    """InnoDB picks one of two concurrent first heartbeats (UPDATE of a missing
    row, then INSERT) as a deadlock victim; the heartbeat runs again."""
    import threading
    from novalite.db import hosts
    errors, barrier = [], threading.Barrier(6)

    def register(i):
        try:
            barrier.wait()
            hosts.service_heartbeat('host-%d' % i, 'novalite-conductor', 'conductor')
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=register, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(hosts.service_get_all(binary='novalite-conductor')) == 6


def test_a_host_reports_all_its_nodes_in_one_transaction(database):
    """compute_nodes_report: new nodes inserted, changed ones updated, usage
    recounted from the claims; a node named twice counts once."""
    hosts.service_heartbeat('big', 'novalite-compute', 'compute')
    res = lambda name, ram=4096: {'hypervisor_hostname': name, 'vcpus': 4,  # noqa: E731
                                  'memory_mb': ram, 'local_gb': 10}
    reserved, ratios = {'memory_mb': 256, 'vcpus': 0, 'disk_gb': 0}, {'cpu': 1.0, 'ram': 1.0,
                                                                     'disk': 1.0}
    names = ['big-node%d' % i for i in range(60)]
    out = hosts.compute_nodes_report('big', [res(n) for n in names + names[:1]], reserved,
                                     ratios)
    assert [n['hypervisor_hostname'] for n in out] == names
    assert {n['memory_mb_used'] for n in out} == {256}
    _instance('44444444-4444-4444-4444-444444444444', host='big')
    hosts.instance_claim('44444444-4444-4444-4444-444444444444', 'big', 'big-node7')
    with db_session.get_engine().begin() as conn:     # usage drifted on node 3
        conn.execute(models.ComputeNode.__table__.update().where(
            models.ComputeNode.hypervisor_hostname == 'big-node3').values(memory_mb_used=9))
    out = hosts.compute_nodes_report('big', [res(n, 8192 if n == 'big-node5' else 4096)
                                             for n in names], reserved, ratios)
    by_name = {n['hypervisor_hostname']: n for n in out}
    assert len(hosts.compute_node_get_all('big')) == 60
    assert (by_name['big-node7']['memory_mb_used'], by_name['big-node7']['running_vms']) == \
        (256 + 512, 1)
    assert by_name['big-node3']['memory_mb_used'] == 256
    assert by_name['big-node5']['memory_mb'] == 8192
    node5 = [n for n in hosts.compute_node_get_all('big') if n['id'] == by_name['big-node5']['id']]
    assert node5[0]['free_ram_mb'] == 8192 - 256
    # the scheduler's read: every node, with its service
    services, rows = hosts.compute_node_states()
    assert 'big' in services and len([r for r in rows if r.host == 'big']) == 60


def test_instances_claimed_tells_the_scheduler_which_placements_are_done(database):
    """What the scheduler stops counting: claimed, deleted, failed or
    unknown instances; an unclaimed build is still pending.  Any number of
    uuids (one statement for every length on PostgreSQL)."""
    _node(ram_mb=4096)
    pending, claimed, deleted, failed = ['55555555-0000-0000-0000-%012d' % i for i in range(4)]
    for uuid in (pending, claimed, deleted, failed):
        _instance(uuid)
    hosts.instance_claim(claimed, 'h1', 'h1')
    db.instance_destroy(deleted)
    db.instance_update(failed, {'vm_state': 'error'})
    unknown = ['66666666-0000-0000-0000-%012d' % i for i in range(1500)]
    assert db.instances_claimed([pending, claimed, deleted, failed]) == {claimed, deleted, failed}
    assert db.instances_claimed([pending] + unknown) == set(unknown)
    services, _rows = hosts.compute_node_states()
    assert services['h1']['up'] is True


def test_saves_of_many_instances_in_one_executemany(database):
    """instance_save_many_in on each backend: every row matched gives the
    updated_at it set; a row that no longer matches gives None (the others
    are saved, and a caller saves each again to tell which); a save that
    sets what a row already holds still counts as matched (MySQL counts
    found rows, not changed ones)."""
    from novalite.db import instance_saves
    uuids = ['77777777-0000-0000-0000-%012d' % i for i in range(3)]
    for uuid in uuids:
        _instance(uuid)

    def save_many(uuids_, task_state, expected):
        with db_session.core_writer() as conn:
            return instance_saves.instance_save_many_in(
                conn, [(u, {'task_state': task_state}) for u in uuids_], expected, 'h1', True,
                'building')
    assert save_many(uuids, 'networking', ['scheduling']) is not None
    assert save_many(uuids, 'networking', ['scheduling']) is None        # none matches now
    db.instance_update(uuids[0], {'task_state': 'deleting'})
    assert save_many(uuids, 'spawning', ['networking']) is None
    assert [db.instance_get_by_uuid(u).task_state for u in uuids] == \
        ['deleting', 'spawning', 'spawning']
    assert save_many(uuids[1:], 'spawning', ['spawning']) is not None     # same values
    with pytest.raises(ValueError):
        with db_session.core_writer() as conn:
            instance_saves.instance_save_many_in(
                conn, [(uuids[1], {'task_state': 'x'}), (uuids[2], {'vm_state': 'y'})])


@pytest.mark.parametrize('idle', [True, False])
def test_a_pooled_connection_is_pinged_only_after_sitting_idle(db_url, monkeypatch, idle):
    """A connection that sat in the pool past PING_AFTER_IDLE is checked
    before use and replaced when its server side is gone; one in constant use
    is not pinged (no extra round trip per transaction): its first error
    invalidates the pool, and the next checkout works."""
    if db_url.startswith('sqlite'):
        pytest.skip('SQLite has no server side to lose')
    import sqlalchemy as sa
    monkeypatch.setattr(db_session, 'PING_AFTER_IDLE', 0.0 if idle else 3600.0)
    engine, killer = db_session.create_engine(db_url), sa.create_engine(db_url)
    mysql = engine.dialect.name != 'postgresql'
    who = 'SELECT CONNECTION_ID()' if mysql else 'SELECT pg_backend_pid()'
    kill = 'KILL %d' if mysql else 'SELECT pg_terminate_backend(%d)'
    try:
        with engine.connect() as conn:
            first = conn.execute(sa.text(who)).scalar()
        with killer.connect() as conn:
            conn.execute(sa.text(kill % first))
            conn.commit()
        if idle:
            with engine.connect() as conn:
                assert conn.execute(sa.text(who)).scalar() != first
        else:
            with pytest.raises(sa.exc.OperationalError):
                with engine.connect() as conn:
                    conn.execute(sa.text(who))
            with engine.connect() as conn:
                assert conn.execute(sa.text(who)).scalar() != first
    finally:
        engine.dispose()
        killer.dispose()


def test_many_instances_get_their_ids_in_order(database):
    """A multi-create's rows get their ids in the order given, each id the
    row's own; on PostgreSQL from the sequence, then one executemany of a
    one-row INSERT (no multi-row VALUES for psycopg to parse in Python)."""
    class Ctx:
        request_id, user_id, project_id = 'req-1', 'u1', 'p1'
    uuids = ['55555555-5555-5555-5555-%012d' % i for i in range(30)]
    shapes = []

    def shape(conn, cursor, statement, parameters, context, executemany):
        shapes.append((statement.split()[0].upper(), executemany,
                       'RETURNING' in statement.upper(), statement.count('%(') or
                       statement.count('?')))
    engine = db_session.get_engine()
    sa_event.listen(engine, 'before_cursor_execute', shape)
    try:
        made = db.instance_create_many(Ctx(), [{
            'uuid': u, 'project_id': 'p1', 'user_id': 'u1', 'vm_state': 'building',
            'task_state': 'scheduling', 'memory_mb': 64, 'vcpus': 1, 'root_gb': 1,
            'ephemeral_gb': 0, 'swap': 0, 'host': None, 'display_name': u} for u in uuids])
    finally:
        sa_event.remove(engine, 'before_cursor_execute', shape)
    assert [i.uuid for i in made] == uuids
    ids = [i.id for i in made]
    assert len(set(ids)) == len(ids) and ids == sorted(ids)
    stored = {i.uuid: i.id for i in db.instance_get_all_by_filters({'project_id': 'p1'})}
    assert [stored[u] for u in uuids] == ids
    if engine.dialect.name == 'postgresql':
        inserts = [s for s in shapes if s[0] == 'INSERT']
        first = inserts[0]
        # the instances' INSERT: one row's placeholders, run for each row
        assert first[1] and not first[2] and first[3] < 100, shapes
        assert shapes[shapes.index(first) - 1][0] == 'SELECT'
