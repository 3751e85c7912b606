"""The build path's round trips (issue 13), in one process (the cell of
test_managers: fake:// transport, SQLite, two computes on the fake driver).

A multi-create hands each host its instances in one cast (compute 6.2); a
compute sends its builds' saves, events and claims as a few grouped
``instance_steps`` calls (conductor 4.1); with ``[upgrade_levels]`` capping
either, the old per-instance messages still build everything."""
import collections

import pytest
from oslo_config import cfg
from sqlalchemy import update as sa_update

from novalite.compute import rpcapi as compute_rpcapi
from novalite.conductor import manager as conductor_manager
from novalite.conductor import rpcapi as conductor_rpcapi
from novalite.db import actions as db_actions
from novalite.db import hosts as db_hosts
from novalite import exception
from tests.unit.test_managers import HOSTS, cell, fake_driver_opts  # noqa: F401 - fixtures

CONF = cfg.CONF
STEPS = {'conductor_schedule_and_build_instances', 'compute__do_build_and_run_instance',
         'compute_instance_claim', 'compute_allocate_network', 'compute_spawn'}


@pytest.fixture(autouse=True)
def no_quota():
    for name in ('instances', 'cores', 'ram'):
        CONF.set_override(name, -1, 'quota')
    yield
    for name in ('instances', 'cores', 'ram'):
        CONF.clear_override(name, 'quota')


@pytest.fixture
def counted(cell, monkeypatch):
    """Counts the build casts the conductor sent, per host, and every call
    each compute's conductor client made (the real methods still run)."""
    counts = collections.Counter()
    casts = _task_manager(cell).compute_rpcapi
    for name, host_arg in (('build_and_run_instance', 2), ('build_and_run_instances', 1)):
        real = getattr(casts, name)

        def cast(*args, _name=name, _real=real, _at=host_arg, **kwargs):
            counts[args[_at] if len(args) > _at else kwargs['host'], _name] += 1
            return _real(*args, **kwargs)
        monkeypatch.setattr(casts, name, cast)
    for host, svc in cell.computes.items():
        mgr = svc.manager
        real_call = mgr.conductor_api._call
        monkeypatch.setattr(mgr.conductor_api, '_call', _counting(
            counts, (host, 'conductor'), real_call, by_method=True))
    return counts


# what a compute calls on its own, not for a build
PERIODIC = ('service_heartbeat', 'compute_node_report', 'instances_on_host',
            'builds_alive')


def _counting(counts, key, real, by_method=False):
    def wrapper(*args, **kwargs):
        if not by_method or args[1] not in PERIODIC:
            counts[key] += 1
            if by_method:
                counts['method', args[1]] += 1
        return real(*args, **kwargs)
    return wrapper


def _task_manager(cell):
    return next(e for e in cell.conductor.endpoints
                if isinstance(e, conductor_manager.ComputeTaskManager))


def _multi_create(cell, name, count):
    instances, _resv = cell.api.create(cell.ctx, cell.flavor, cell.image['id'],
                                       display_name=name, requested_networks='none',
                                       min_count=count, max_count=count)
    uuids = [i.uuid for i in instances]
    for uuid in uuids:
        cell.wait_vm_state(uuid, 'active')
    return uuids


def _timeline(uuid):
    action = db_actions.actions_get(uuid)[-1]
    return {e['event']: e for e in db_actions.action_events_get(action['id'])}


def test_multi_create_is_one_cast_per_host_and_few_calls(cell, counted):
    uuids = _multi_create(cell, 'batch', 8)
    hosts = {cell.instance(u).host for u in uuids}
    assert hosts == set(HOSTS), hosts          # the scheduler spread them
    for host in HOSTS:
        assert counted[host, 'build_and_run_instances'] == 1, counted
        assert counted[host, 'build_and_run_instance'] == 0, counted
    # three grouped calls per boot at most and the power state the guest
    # reported (it was about fifteen), and no call outside instance_steps
    calls = sum(counted[h, 'conductor'] for h in HOSTS)
    assert calls <= 4 * len(uuids), counted
    assert set(m for (kind, m) in counted if kind == 'method') == {'instance_steps'}, counted
    for uuid in uuids:                          # the build timeline is unchanged
        events = _timeline(uuid)
        assert set(events) == STEPS, events
        assert all(e['result'] == 'Success' and e['host'] for e in events.values()), events
        assert cell.fault(uuid) is None


def test_capped_compute_gets_one_cast_per_instance(cell, counted, monkeypatch):
    """[upgrade_levels] compute = 6.1: computes that know no batch still
    get every instance, one build_and_run_instance each."""
    CONF.set_override('compute', '6.1', 'upgrade_levels')
    try:
        capped = compute_rpcapi.ComputeAPI()
        monkeypatch.setattr(_task_manager(cell).compute_rpcapi, 'client', capped.client)
        uuids = _multi_create(cell, 'capped-compute', 4)
    finally:
        CONF.clear_override('compute', 'upgrade_levels')
    assert sum(counted[h, 'build_and_run_instances'] for h in HOSTS) == 0, counted
    assert sum(counted[h, 'build_and_run_instance'] for h in HOSTS) == len(uuids), counted


def test_capped_conductor_gets_the_old_calls(cell, counted, monkeypatch):
    """[upgrade_levels] conductor = 4.0: the same steps go as instance_update,
    action_event and instance_claim, and the timeline is the same."""
    CONF.set_override('conductor', '4.0', 'upgrade_levels')
    try:
        for svc in cell.computes.values():
            old = conductor_rpcapi.ConductorAPI()
            monkeypatch.setattr(svc.manager.steps, 'conductor_api', old)
            monkeypatch.setattr(svc.manager.steps.conductor_api, '_call', _counting(
                counted, (svc.host, 'conductor'), old._call, by_method=True))
        uuids = _multi_create(cell, 'capped-conductor', 3)
    finally:
        CONF.clear_override('conductor', 'upgrade_levels')
    methods = {m for (kind, m) in counted if kind == 'method'}
    assert 'instance_steps' not in methods, counted
    assert {'instance_update', 'action_event', 'instance_claim'} <= methods, counted
    for uuid in uuids:
        assert set(_timeline(uuid)) == STEPS


def test_batch_claim_takes_what_fits(cell):
    """A batch that fits is claimed at once; one that does not is claimed
    one by one, so what fits is claimed and the rest refused as before."""
    uuids = _multi_create(cell, 'claims', 3)
    host = cell.instance(uuids[0]).host
    mine = [u for u in uuids if cell.instance(u).host == host]
    node = db_hosts.compute_node_get_all(host=host)[0]
    for uuid in mine:
        db_hosts.abort_instance_claim(uuid)
    free = db_hosts.compute_node_get_all(host=host)[0]
    assert db_hosts.instance_claims(mine, host, node['hypervisor_hostname']) == \
        {u: None for u in mine}
    assert db_hosts.compute_node_get_all(host=host)[0]['vcpus_used'] == \
        free['vcpus_used'] + len(mine)
    assert db_hosts.instance_claims(mine, host, node['hypervisor_hostname']) == \
        {u: None for u in mine}                 # claimed again: nothing changes
    assert db_hosts.compute_node_get_all(host=host)[0]['vcpus_used'] == \
        free['vcpus_used'] + len(mine)
    # room for all but one: each claimed on its own
    for uuid in mine:
        db_hosts.abort_instance_claim(uuid)
    with db_hosts.writer() as session:
        session.execute(db_hosts.update(db_hosts.m.ComputeNode).where(
            db_hosts.m.ComputeNode.id == node['id']).values(
            vcpus_used=node['vcpus'] * node['cpu_allocation_ratio'] - len(mine) + 1))
    got = db_hosts.instance_claims(mine, host, node['hypervisor_hostname'])
    refused = [u for u, exc in got.items() if exc is not None]
    assert len(refused) == 1 and isinstance(got[refused[0]],
                                            exception.ComputeResourcesUnavailable), got
    cell.computes[host].manager.update_available_resource()     # usage recounted


def test_repeated_steps_are_applied_once(cell):
    """A compute's first step list sent twice (a call retried across a
    reconnect whose first try was applied, or both tries run by two
    conductors): the repeat answers as the first did, claims nothing more and
    records no second timeline."""
    from novalite.compute import conductor_steps as steps
    from novalite.compute import task_states, vm_states
    from novalite.db import api as db
    [uuid] = _multi_create(cell, 'repeat', 1)
    inst = cell.instance(uuid)
    host, nodename = inst.host, inst.node
    db.instance_update(uuid, {'vm_state': vm_states.BUILDING,
                              'task_state': task_states.NETWORKING})
    used = db_hosts.compute_node_get_all(host=host)[0]['vcpus_used']
    events = len(db_actions.action_events_get(db_actions.actions_get(uuid)[-1]['id']))
    first = [steps.update({'vm_state': vm_states.BUILDING, 'task_state': None},
                          [task_states.SCHEDULING, None], vm_states.BUILDING),
             steps.events(('compute__do_build_and_run_instance', 'start')),
             steps.claim(nodename),
             steps.update({'task_state': task_states.NETWORKING}, [None]),
             steps.events(('compute_allocate_network', 'start'))]
    conductor = next(e for e in cell.conductor.endpoints
                     if isinstance(e, conductor_manager.ConductorManager))
    [answer] = conductor.instance_steps(cell.ctx, host, [
        {'instance_uuid': uuid, 'request_id': cell.ctx.request_id, 'steps': first}])
    assert answer['failed_step'] is None, answer
    assert answer['instance'].task_state == task_states.NETWORKING
    assert db_hosts.compute_node_get_all(host=host)[0]['vcpus_used'] == used
    assert len(db_actions.action_events_get(
        db_actions.actions_get(uuid)[-1]['id'])) == events
    # a list that was never applied still fails where it fails
    [answer] = conductor.instance_steps(cell.ctx, host, [
        {'instance_uuid': uuid, 'request_id': cell.ctx.request_id,
         'steps': [steps.update({'task_state': task_states.SPAWNING}, [None])]}])
    assert (answer['failed_step'], answer['error']) == (0, 'UnexpectedTaskStateError')


def test_a_long_request_keeps_its_builds_from_looking_stalled(cell, monkeypatch):
    """While a conductor works through a request that outlasts
    build_resume_deadline, it keeps touching the builds it has not handed to
    a host yet, so the redrive does not schedule them a second time."""
    from novalite.db import builds as db_builds
    touched = []
    real_touch, real_touch_in = db_builds.touch, db_builds.touch_in
    monkeypatch.setattr(db_builds, 'touch_in', lambda conn, uuids: touched.append(
        list(uuids)) or real_touch_in(conn, uuids))
    clock = iter(range(0, 10 ** 6, 60))      # every reading a minute later
    monkeypatch.setattr(conductor_manager._KeepAlive, 'clock', staticmethod(lambda: next(clock)))
    monkeypatch.setattr(conductor_manager, 'HAND_CHUNK', 1)     # one per transaction
    uuids = _multi_create(cell, 'long', 4)
    # all of them with the schedule events, then what is left after each
    # chunk as it is handed to its host (recording a cast touches its build)
    n = len(uuids)
    assert touched[:-(n - 1)] == [uuids] * (len(touched) - n + 1) and len(touched) >= n, \
        touched
    assert touched[-(n - 1):] == [uuids[i:] for i in range(1, n)], touched
    # a touch is what the redrive looks at: the build request's updated_at
    before = db_builds.get(uuids[-1])['updated_at']
    assert real_touch([uuids[-1]]) == 1
    assert db_builds.get(uuids[-1])['updated_at'] > before


def test_a_compute_marks_the_builds_it_holds_alive(cell):
    """Builds queued on a compute (behind max_concurrent_builds) change
    nothing for a while; the compute marks the builds it holds alive
    (conductor 4.3 builds_alive), so the redrive does not cast them again.
    Only the caller's own building instances are touched."""
    import datetime
    import uuid as uuidlib
    from novalite.db import api as db
    from novalite.db import builds as db_builds
    from novalite.db.session import now, writer
    from novalite.db import models as m
    rows = [{'uuid': str(uuidlib.uuid4()), 'project_id': 'p1', 'user_id': 'u1',
             'vm_state': state, 'task_state': 'scheduling', 'host': host,
             'display_name': 'held', 'memory_mb': 512, 'vcpus': 1, 'root_gb': 1,
             'ephemeral_gb': 0, 'swap': 0, 'build_spec': {}}
            for host, state in (('h1', 'building'), ('h2', 'building'), ('h1', 'active'))]
    db.instance_create_many(cell.ctx, rows)
    uuids = [r['uuid'] for r in rows]
    old = now() - datetime.timedelta(hours=1)
    with writer() as session:
        session.execute(sa_update(m.BuildRequest).where(
            m.BuildRequest.instance_uuid.in_(uuids)).values(updated_at=old))
    mgr = cell.computes['h1'].manager
    with mgr._builds_lock:
        for uuid in uuids:      # as if queued in h1's build pool
            mgr._builds[object()] = (cell.ctx, db.instance_get_by_uuid(uuid), ())
    try:
        mgr._keep_builds_alive()
    finally:
        with mgr._builds_lock:
            for key in [k for k, v in mgr._builds.items() if v[1].uuid in uuids]:
                mgr._builds.pop(key)
    touched = {u: db_builds.get(u)['updated_at'] > old for u in uuids}
    # h1's building instance only: not h2's, not an instance no longer building
    assert touched == {uuids[0]: True, uuids[1]: False, uuids[2]: False}, touched
    # a conductor capped below 4.3 is not asked
    CONF.set_override('conductor', '4.2', 'upgrade_levels')
    try:
        assert conductor_rpcapi.ConductorAPI().builds_alive(cell.ctx, 'h1', uuids) is None
    finally:
        CONF.clear_override('conductor', 'upgrade_levels')


def test_changes_answers_give_the_instance_the_database_has(cell):
    """Conductor 4.4: an answer carries what the conductor set (updated_at,
    the claim's node) instead of the whole instance read back; the
    compute's copy with its own saves and those applied is the instance as
    the database has it."""
    from novalite.compute import conductor_steps as steps
    from novalite.compute import task_states, vm_states
    from novalite.db import api as db
    [uuid] = _multi_create(cell, 'changes', 1)
    db.instance_update(uuid, {'vm_state': vm_states.BUILDING,
                              'task_state': task_states.SCHEDULING})
    local = cell.instance(uuid)
    step_list = [steps.update({'vm_state': vm_states.BUILDING, 'task_state': None},
                              [task_states.SCHEDULING, None], vm_states.BUILDING),
                 steps.events(('compute__do_build_and_run_instance', 'start')),
                 steps.claim(local.node),
                 steps.update({'task_state': task_states.NETWORKING, 'progress': 7}, [None]),
                 steps.events(('compute_allocate_network', 'start'))]
    conductor = next(e for e in cell.conductor.endpoints
                     if isinstance(e, conductor_manager.ConductorManager))
    [answer] = conductor.instance_steps(cell.ctx, local.host, [
        {'instance_uuid': uuid, 'request_id': cell.ctx.request_id, 'steps': step_list}],
        changes=True)
    assert answer['error'] is None and answer['instance'] is None, answer
    assert {'updated_at', 'compute_id', 'node', 'launched_on'} <= set(answer['changes'])
    after = steps.instance_after(answer, local, step_list)
    assert after is not local and local.task_state == task_states.SCHEDULING
    assert after.as_dict() == cell.instance(uuid).as_dict()
    assert (after.task_state, after.progress) == (task_states.NETWORKING, 7)


def test_saves_of_many_instances_go_together(cell):
    """The saves a call's instances reach together go in one executemany
    per shape of save; when one instance's save does not match (its
    task_state changed meanwhile), that one fails as it would on its own
    and the others are saved all the same."""
    import sqlalchemy as sa
    from novalite.compute import conductor_steps as steps
    from novalite.compute import task_states, vm_states
    from novalite.db import api as db
    from novalite.db import session as db_session
    uuids = _multi_create(cell, 'together', 6)
    host = cell.instance(uuids[0]).host
    mine = [u for u in uuids if cell.instance(u).host == host]
    assert len(mine) >= 3, mine
    conductor = next(e for e in cell.conductor.endpoints
                     if isinstance(e, conductor_manager.ConductorManager))
    step_list = [steps.update({'vm_state': vm_states.BUILDING, 'task_state': None},
                              [task_states.SCHEDULING], vm_states.BUILDING),
                 steps.events(('compute__do_build_and_run_instance', 'start')),
                 steps.update({'task_state': task_states.NETWORKING}, [None]),
                 steps.events(('compute_allocate_network', 'start'))]
    updates = []

    def count(_conn, _cursor, statement, parameters, _context, executemany):
        if statement.startswith('UPDATE instances '):
            updates.append(len(parameters) if executemany else 1)

    def call(stale=None):
        for uuid in mine:
            db.instance_update(uuid, {'vm_state': vm_states.BUILDING, 'task_state':
                                      task_states.DELETING if uuid == stale
                                      else task_states.SCHEDULING})
        updates.clear()
        engine = db_session.get_engine()
        sa.event.listen(engine, 'before_cursor_execute', count)
        try:
            return conductor.instance_steps(cell.ctx, host, [
                {'instance_uuid': u, 'request_id': cell.ctx.request_id, 'steps': step_list}
                for u in mine], changes=True)
        finally:
            sa.event.remove(engine, 'before_cursor_execute', count)

    answers = call()
    assert [a['error'] for a in answers] == [None] * len(mine), answers
    # the networking save can only follow the first: both in one UPDATE, all
    # instances in one executemany
    assert updates == [len(mine)]
    assert {cell.instance(u).task_state for u in mine} == {task_states.NETWORKING}
    for uuid, answer in zip(mine, answers):
        after = steps.instance_after(answer, cell.instance(uuid), step_list)
        assert after.as_dict() == cell.instance(uuid).as_dict()

    stale = mine[1]
    answers = dict(zip(mine, call(stale=stale)))
    assert (answers[stale]['failed_step'], answers[stale]['error']) == \
        (0, 'UnexpectedTaskStateError'), answers[stale]
    assert cell.instance(stale).task_state == task_states.DELETING
    others = [u for u in mine if u != stale]
    assert all(answers[u]['error'] is None for u in others), answers
    assert {cell.instance(u).task_state for u in others} == {task_states.NETWORKING}
    # the (merged) saves went together, did not all match, and went again
    # one by one
    assert updates == [len(mine)] + [1] * len(mine), updates


def test_saves_that_only_follow_each_other_are_one_update(cell):
    """A step list whose saves each expect only the states the one before
    set (a build with no network: networking, block devices, spawning) is
    one UPDATE, with every event in the timeline in order; sent again (a
    retried call) it answers as the first did and writes no event twice; a
    save that expects a state the list did not set still fails at its own
    step."""
    import sqlalchemy as sa
    from novalite.compute import conductor_steps as steps
    from novalite.compute import task_states, vm_states
    from novalite.db import api as db
    from novalite.db import session as db_session
    [uuid] = _multi_create(cell, 'merged', 1)
    host = cell.instance(uuid).host
    db.instance_update(uuid, {'vm_state': vm_states.BUILDING,
                              'task_state': task_states.NETWORKING})
    conductor = next(e for e in cell.conductor.endpoints
                     if isinstance(e, conductor_manager.ConductorManager))
    step_list = [steps.events(('compute_allocate_network', 'finish', 'Success')),
                 steps.update({'task_state': task_states.BLOCK_DEVICE_MAPPING,
                               'network_info': []}, [task_states.NETWORKING]),
                 steps.update({'task_state': task_states.SPAWNING},
                              [task_states.BLOCK_DEVICE_MAPPING]),
                 steps.events(('compute_spawn', 'start')),
                 steps.update({'progress': 0})]
    updates = []

    def count(_conn, _cursor, statement, parameters, _context, executemany):
        if statement.startswith('UPDATE instances '):
            updates.append(statement)

    def call(step_list):
        updates.clear()
        engine = db_session.get_engine()
        sa.event.listen(engine, 'before_cursor_execute', count)
        try:
            [answer] = conductor.instance_steps(cell.ctx, host, [
                {'instance_uuid': uuid, 'request_id': cell.ctx.request_id,
                 'steps': step_list}])
        finally:
            sa.event.remove(engine, 'before_cursor_execute', count)
        return answer

    def events():
        return [(e['event'], e['finish_time'] is None) for e in db_actions.action_events_get(
            db_actions.actions_get(uuid)[-1]['id'])]
    before = events()
    answer = call(step_list)
    assert answer['failed_step'] is None, answer
    assert len(updates) == 1, updates
    assert answer['instance'].task_state == task_states.SPAWNING
    assert answer['instance'].progress == 0
    timeline = events()
    assert sorted(timeline) == sorted(before + [('compute_allocate_network', False),
                                                ('compute_spawn', True)])
    again = call(step_list)
    assert again['failed_step'] is None and again['instance'].task_state == \
        task_states.SPAWNING, again
    assert events() == timeline
    # a save that expects block_device_mapping, which this list did not set
    stale = call([steps.update({'progress': 1}),
                  steps.update({'vm_state': vm_states.ACTIVE, 'task_state': None},
                               [task_states.BLOCK_DEVICE_MAPPING])])
    assert (stale['failed_step'], stale['error']) == (1, 'UnexpectedTaskStateError'), stale
    assert len(updates) == 2 and cell.instance(uuid).progress == 1


def test_a_build_with_no_network_makes_two_round_trips(cell, counted):
    """``networks: none``: nothing to allocate between the claim and block
    devices, so the first step group carries both (two instance_steps calls,
    not three) and the timeline keeps every event."""
    [uuid] = _multi_create(cell, 'no-network', 1)
    host = cell.instance(uuid).host
    assert counted[host, 'conductor'] == 2, counted
    events = _timeline(uuid)
    assert set(events) == STEPS, events
    net = events['compute_allocate_network']
    assert net['result'] == 'Success' and net['start_time'] <= net['finish_time'], net
    assert events['compute_instance_claim']['finish_time'] <= net['start_time']
    assert cell.instance(uuid).network_info == []


def test_the_api_instances_are_cast_as_handed_over(cell, monkeypatch):
    """A request from the API: the conductor casts the instances it was
    given with the hand-over's save applied, without reading them back,
    and each is the instance the database has.  A build_instances from any
    other sender (a compute's reschedule) reads them back: a compute cannot
    hand another host an instance of its own making."""
    import copy
    from novalite.db import build_steps as db_steps
    from novalite.security import keys
    reads, cast = [], {}
    real_read = db_steps.instances
    monkeypatch.setattr(db_steps, 'instances', lambda conn, uuids: (
        uuids and reads.append(list(uuids))) or real_read(conn, uuids))
    mgr = _task_manager(cell)
    real_cast = mgr._cast_builds

    def record(context, host, builds, *args):
        for b in builds:
            cast[b['instance'].uuid] = (b['instance'], cell.instance(b['instance'].uuid))
        return real_cast(context, host, builds, *args)
    monkeypatch.setattr(mgr, '_cast_builds', record)
    instances, _resv = cell.api.create(
        cell.ctx, cell.flavor, cell.image['id'], display_name='as-handed',
        display_description='three', metadata={'role': 'web', 'tier': '1'},
        user_data='aGVsbG8=', tags=['a'], requested_networks='none',
        min_count=3, max_count=3)
    uuids = [i.uuid for i in instances]
    for uuid in uuids:
        cell.wait_vm_state(uuid, 'active')
    assert reads == [] and set(cast) == set(uuids)
    for uuid in uuids:
        given, stored = cast[uuid]
        assert given.as_dict() == stored.as_dict()
        assert (given.host, given.task_state) == (stored.host, 'scheduling')

    held = {}
    monkeypatch.setattr(cell.api.compute_task_api, 'build_instances',
                        lambda *args, **kwargs: held.update(args=args, kwargs=kwargs))
    [inst], _resv = cell.api.create(cell.ctx, cell.flavor, cell.image['id'],
                                    display_name='rescheduled', requested_networks='none')
    uuid = inst.uuid
    ctx, [inst], image, props = held['args'][:4]
    forged = copy.deepcopy(inst)
    forged.display_name, forged.user_data = 'forged', 'b3duZWQ='
    ctx = copy.copy(ctx)
    ctx.service_identity = keys.Identity(keys.COMPUTE, HOSTS[0])
    mgr.build_instances(ctx, [forged], image, props, *held['args'][4:], **held['kwargs'])
    assert reads == [[uuid]]
    given, stored = cast[uuid]
    assert (given.display_name, given.user_data) == ('rescheduled', None)
    assert given.as_dict() == stored.as_dict()
    cell.wait_vm_state(uuid, 'active')
