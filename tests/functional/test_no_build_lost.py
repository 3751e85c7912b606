"""No build is lost: broker, database, conductor, scheduler and compute faults
end in ACTIVE (or ERROR with a cause), never in BUILD.

One cloud for the module, on a RabbitMQ node and a PostgreSQL cluster of its
own (tests/private_services.py) so they can be stopped: two conductors, two
schedulers, three fake computes.  c1 has by far the most RAM, so the RAMWeigher
places every boot there first with c2 and c3 as alternates; on c1 only,
names starting ``slow`` spawn for a minute, ``fail`` fail to spawn and
``abort`` fail with an abort-class error.

The RPC queues are quorum queues ([oslo_messaging_rabbit] rabbit_quorum_queue,
as doc/install-guide.md recommends): durable, so casts waiting in them outlive
the broker's restart.

Each test prints its figures (run with -s to see them).
"""
import concurrent.futures
import os
import signal
import time

import pytest

from tests.cloud import PROJECT, Cloud, wait_for
from tests.private_services import PrivatePostgres, PrivateRabbit

pytestmark = [pytest.mark.xdist_group('no_build_lost'), pytest.mark.timeout(600)]

C1 = ('[fake_driver]\nmemory_mb = 524288\nvcpus = 2000\nlocal_gb = 2000\n'
      'slow_spawn_name_regex = ^slow\n'
      'slow_spawn_delay = 120\nspawn_failure_name_regex = ^fail\n'
      'spawn_abort_name_regex = ^abort\n')
# room for every build of the module (about 550, none deleted) on any host:
# builds moved off c1 while it is down once filled a 16 GiB c2 ("Insufficient
# compute resources", RAM allocation ratio 1.0 as Nova's), and in a later run
# the default 8 vCPUs (x4) of c2 and c3 ("CoreFilter: 0 of 2 hosts have 1
# vCPUs free"); the default 100 GB disk is 100 boots of flavor 1; capacity is
# not what this module tests
OTHERS = '[fake_driver]\nmemory_mb = 327680\nvcpus = 2000\nlocal_gb = 2000\n'
# max_concurrent_builds: every load boot lands on c1, whose fake build is
# 0.1 s of spawn and three waits on a conductor; ten at a time (Nova's
# default, for real hypervisors) made c1 build about 3 a second under load
CONF = ('[conductor]\nbuild_resume_deadline = 3\nstuck_build_check_interval = 1\n'
        'call_timeout = 5\n[fake_driver]\nspawn_delay = 0.1\n'
        '[quota]\ninstances = -1\ncores = -1\nram = -1\n'
        '[oslo_messaging_rabbit]\nrabbit_quorum_queue = true\n'
        '[DEFAULT]\nmax_concurrent_builds = 40\n')


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('nolost')
    rabbit, pg = PrivateRabbit(), PrivatePostgres()
    try:
        rabbit.start()
        pg.start()
        c = Cloud(tmp, pg.url, rabbit.url, computes=('c1', 'c2', 'c3'),
                  compute_conf={'c1': C1, 'c2': OTHERS, 'c3': OTHERS}, extra_conf=CONF, conductors=2, schedulers=2)
        c.rabbit, c.pg = rabbit, pg
        try:
            yield c.start().seed_catalog()
        finally:
            c.stop()
    finally:
        rabbit.destroy()
        pg.destroy()


def figures(name, **values):
    print('\nFIGURES %s: %s' % (name, ', '.join(
        '%s=%s' % (k, ('%.1f s' % v) if isinstance(v, float) else v)
        for k, v in values.items())))


def service_state(cloud, host):
    services = cloud.request('GET', '/v2.1/%s/os-services' % PROJECT).json['services']
    return [s['state'] for s in services if s['host'] == host][0]


def signal_process(cloud, name, sig):
    for n, p in cloud.procs:
        if n == name and p.poll() is None:
            os.killpg(p.pid, sig)


def states(cloud, uuids):
    rows = cloud.query('SELECT uuid, vm_state, host FROM instances WHERE deleted = 0')
    return {u: (s, h) for u, s, h in rows if u in set(uuids)}


def wait_final(cloud, uuids, timeout=60, ended=None):
    """Wait until none of ``uuids`` is building; return {uuid: (vm_state, host)}.
    ``ended``, a dict, gets the monotonic time each was first seen finished."""
    def finished():
        st = states(cloud, uuids)
        now = time.monotonic()
        for u, (s, _h) in st.items():
            if s != 'building' and ended is not None:
                ended.setdefault(u, now)
        return st if len(st) == len(uuids) and all(
            s != 'building' for s, _h in st.values()) else None
    return wait_for(finished, timeout, interval=0.2,
                    what='builds of %d servers finished' % len(uuids))


def boot_ids(cloud, names):
    ids = []
    for name in names:
        r = cloud.boot(name)
        assert r.status == 202, r.raw
        ids.append(r.json['server']['id'])
    return ids


def task_state(cloud, uuid):
    return cloud.query('SELECT task_state, host FROM instances WHERE uuid = :u', u=uuid)[0]


def scheduler_selections(cloud, uuid):
    return sum(line.count(uuid) for name in ('scheduler', 'scheduler2')
               for line in cloud.log_text(name).splitlines() if 'Selected' in line)


def fault(cloud, uuid):
    rows = cloud.query('SELECT message FROM instance_faults WHERE instance_uuid = :u '
                       'ORDER BY id DESC', u=uuid)
    return rows[0][0] if rows else None


def claims_exact(cloud, host, released=()):
    """The node's usage is the sum of the instances claimed on it, and none
    of ``released`` holds a claim there."""
    [(node_id, vcpus, vms)] = cloud.query(
        'SELECT id, vcpus_used, running_vms FROM compute_nodes WHERE host = :h', h=host)
    [(n, v)] = cloud.query('SELECT count(*), coalesce(sum(vcpus), 0) FROM instances '
                           'WHERE compute_id = :n AND deleted = 0', n=node_id)
    held = [u for u, in cloud.query('SELECT uuid FROM instances WHERE compute_id = :n',
                                    n=node_id) if u in released]
    return (vms, vcpus) == (n, v) and not held


def test_reschedule_goes_to_next_alternate_without_scheduler_call(cloud):
    [sid] = boot_ids(cloud, ['fail-1'])
    final = wait_final(cloud, [sid], 30)
    assert final[sid][0] == 'active' and final[sid][1] in ('c2', 'c3'), final
    assert scheduler_selections(cloud, sid) == 1          # one scheduler call only
    events = wait_for(lambda: (lambda ev: ev if ev and ev[-1][1] else None)(cloud.query(
        "SELECT e.host, e.result FROM instance_actions_events e JOIN instance_actions a "
        "ON a.id = e.action_id WHERE a.instance_uuid = :u AND "
        "e.event = 'compute__do_build_and_run_instance' ORDER BY e.id", u=sid)), 10,
        what='build events finished')
    assert events[0] == ('c1', 'Error') and events[-1][1] == 'Success', events


def test_abort_class_error_is_not_rescheduled(cloud):
    [sid] = boot_ids(cloud, ['abort-1'])
    final = wait_final(cloud, [sid], 30)
    assert final[sid][0] == 'error'
    assert 'is unacceptable: fake driver: injected abort' in fault(cloud, sid)
    assert scheduler_selections(cloud, sid) == 1
    hosts = cloud.query(
        "SELECT DISTINCT e.host FROM instance_actions_events e JOIN instance_actions a "
        "ON a.id = e.action_id WHERE a.instance_uuid = :u AND e.event LIKE 'compute%%'",
        u=sid)
    assert hosts == [('c1',)]
    wait_for(lambda: claims_exact(cloud, 'c1', [sid]), 10, what='claim released')


def _conductor_of(cloud, uuids):
    rows = cloud.query(
        "SELECT a.instance_uuid, e.host FROM instance_actions_events e JOIN "
        "instance_actions a ON a.id = e.action_id "
        "WHERE e.event = 'conductor_schedule_and_build_instances'")
    return {u: h for u, h in rows if u in set(uuids)}


def test_conductor_killed_survivor_drives_its_builds(cloud):
    """Both schedulers frozen: each conductor holds builds it acknowledged;
    one conductor is SIGKILLed, the other drives its builds again."""
    for name in ('scheduler', 'scheduler2'):
        signal_process(cloud, name, signal.SIGSTOP)
    try:
        ids = boot_ids(cloud, ['twocond-%d' % i for i in range(8)])
        owners = wait_for(lambda: (lambda o: o if len(o) == len(ids) else None)(
            _conductor_of(cloud, ids)), 30, what='conductors took the builds')
        victim = 'conductor2' if 'conductor2' in owners.values() else 'conductor'
        lost = [u for u, h in owners.items() if h == victim]
        cloud.stop_process(victim, signal.SIGKILL)
        killed = time.monotonic()
    finally:
        for name in ('scheduler', 'scheduler2'):
            signal_process(cloud, name, signal.SIGCONT)
    done = {}
    while len(done) < len(lost):
        st = states(cloud, lost)
        for u, (s, _h) in st.items():
            if s != 'building' and u not in done:
                done[u] = time.monotonic() - killed
        assert time.monotonic() - killed < 30, 'redrive took over 30 s: %s' % st
        time.sleep(0.1)
    final = wait_final(cloud, ids, 30)
    assert {s for s, _h in final.values()} == {'active'}, final
    figures('conductor killed (two running)', builds=len(ids), redriven=len(lost),
            each_s=sorted(round(v, 1) for v in done.values()))
    cloud.restart_process(victim)


def _unacknowledged(cloud, queue):
    out = cloud.rabbit._ctl('list_queues', '--no-table-headers', 'name',
                            'messages_unacknowledged').stdout
    rows = dict(line.split() for line in out.splitlines() if len(line.split()) == 2)
    return int(rows.get(queue, 0))


def _redriven(cloud, uuids, since):
    """Which of ``uuids`` a conductor drove again after the log offsets ``since``."""
    lines = [line for name, offset in since.items()
             for line in cloud.log_text(name)[offset:].splitlines() if 'driven again' in line]
    return {u for u in uuids if any(u in line for line in lines)}


def test_scheduler_killed_survivor_takes_over(cloud):
    """Two schedulers under load; one hangs (SIGSTOP) with calls the broker
    delivered to it, then is SIGKILLed.  Its calls go back to the queue and
    the survivor answers them (or the redrive asks it again): every accepted
    build reaches ACTIVE within seconds, none with a fault."""
    victim = 'scheduler2'
    conductors = [n for n, p in cloud.procs if n.startswith('conductor') and p.poll() is None]
    since = {name: len(cloud.log_text(name)) for name in conductors}
    signal_process(cloud, victim, signal.SIGSTOP)
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(cloud.boot, 'schedkill-%d' % i) for i in range(60)]
        held = wait_for(lambda: (lambda n: n if n >= 2 else None)(
            _unacknowledged(cloud, 'scheduler')), 30, interval=0.2,
            what='calls held by the hung scheduler')
        cloud.stop_process(victim, signal.SIGKILL)
        killed = time.monotonic()
        responses = [f.result() for f in futures]
    assert {r.status for r in responses} == {202}, [r.status for r in responses]
    accepted = [r.json['server']['id'] for r in responses]
    final = wait_final(cloud, accepted, 30)
    all_active = time.monotonic() - killed
    assert {s for s, _h in final.values()} == {'active'}, [
        fault(cloud, u) for u, (s, _h) in final.items() if s != 'active']
    assert not any(fault(cloud, u) for u in accepted)
    figures('scheduler killed (two running)', builds=len(accepted),
            unacknowledged_at_kill=held,
            redriven=len(_redriven(cloud, accepted, since)),
            kill_to_all_active=all_active)
    cloud.restart_process(victim)


def _computes_look_down(cloud):
    rows = cloud.query("SELECT count(*) FROM services WHERE \"binary\" = 'novalite-compute' "
                       "AND last_seen_up < now() at time zone 'utc' - interval '7 seconds'")
    return rows[0][0] == 3


def test_only_conductor_down_builds_wait_then_complete(cloud):
    for name in ('conductor', 'conductor2'):
        cloud.stop_process(name, signal.SIGKILL)
    ids = boot_ids(cloud, ['nocond-%d' % i for i in range(4)])
    # with no conductor the API still answers from its own database: the
    # servers, their list and their build's action (nothing waits on RPC)
    listed = cloud.request('GET', cloud.servers_path('/detail?name=^nocond-')).json['servers']
    assert sorted(s['id'] for s in listed) == sorted(ids)
    assert {s['status'] for s in listed} == {'BUILD'}
    for sid in ids:
        assert cloud.get_server(sid).json['server']['status'] == 'BUILD'
        actions = cloud.request('GET', cloud.servers_path('/%s/os-instance-actions' % sid))
        assert [a['action'] for a in actions.json['instanceActions']] == ['create']
    # longer than service_down_time: the computes' heartbeats (through the
    # conductor) have stopped and they look down
    wait_for(lambda: _computes_look_down(cloud), 30, what='computes look down')
    back = time.monotonic()
    cloud.restart_process('conductor')
    first = wait_for(lambda: any(s == 'active' for s, _h in states(cloud, ids).values()),
                     60, interval=0.1, what='first boot after the conductor is back')
    first_s = time.monotonic() - back
    final = wait_final(cloud, ids, 30)
    all_s = time.monotonic() - back
    assert first and {s for s, _h in final.values()} == {'active'}, final
    figures('only conductor down', builds=len(ids), first_active_after_return=first_s,
            all_active_after_return=all_s)
    cloud.restart_process('conductor2')


def test_scheduler_down_boots_wait_then_complete(cloud):
    for name in ('scheduler', 'scheduler2'):
        cloud.stop_process(name, signal.SIGKILL)
    ids = boot_ids(cloud, ['nosched-%d' % i for i in range(4)])
    # they wait past the resume deadline: driven again while it is away
    wait_for(lambda: cloud.query('SELECT min(attempt) FROM build_requests WHERE '
                                 'instance_uuid IN (%s)' % ','.join("'%s'" % u for u in ids))
             [0][0],
             30, what='builds driven again while no scheduler runs')
    back = time.monotonic()
    cloud.restart_process('scheduler')
    final = wait_final(cloud, ids, 60)
    all_s = time.monotonic() - back
    assert {s for s, _h in final.values()} == {'active'}, final
    assert not any(fault(cloud, u) for u in ids)
    figures('scheduler down', builds=len(ids), all_active_after_return=all_s)
    cloud.restart_process('scheduler2')


def _spawning_on_c1(cloud, name):
    [sid] = boot_ids(cloud, [name])
    wait_for(lambda: task_state(cloud, sid) == ('spawning', 'c1'), 30, what='spawning on c1')
    assert cloud.node_usage('c1')[3] >= 1
    return sid


def test_compute_killed_mid_build_and_restarted(cloud):
    sid = _spawning_on_c1(cloud, 'slow-restart')
    cloud.stop_process('c1', signal.SIGKILL)
    killed = time.monotonic()
    cloud.restart_process('c1')
    final = wait_final(cloud, [sid], 30)
    took = time.monotonic() - killed
    assert final[sid][0] == 'active' and final[sid][1] in ('c2', 'c3'), final
    wait_for(lambda: claims_exact(cloud, 'c1', [sid]), 10, what='c1 claim released')
    cloud.wait_compute_up('c1')
    figures('compute SIGKILL + restart', redriven=1, kill_to_active=took)


def test_compute_that_never_comes_back(cloud):
    sid = _spawning_on_c1(cloud, 'slow-gone')
    cloud.stop_process('c1', signal.SIGKILL)
    killed = time.monotonic()
    # the scheduler's view (os-services state) of c1
    wait_for(lambda: service_state(cloud, 'c1') == 'down', 30, interval=0.2,
             what='c1 seen down')
    seen_down = time.monotonic() - killed
    probe = boot_ids(cloud, ['probe-after-down'])[0]
    final = wait_final(cloud, [sid, probe], 30)
    took = time.monotonic() - killed
    assert final[sid][0] == 'active' and final[sid][1] in ('c2', 'c3'), final
    assert final[probe][0] == 'active' and final[probe][1] != 'c1', final
    assert claims_exact(cloud, 'c1', [sid])
    figures('compute never back', scheduler_stops_choosing_it_after=seen_down,
            redriven=1, kill_to_active=took)
    cloud.restart_process('c1')
    wait_for(lambda: service_state(cloud, 'c1') == 'up', 30, what='c1 up again')


def _logged(cloud, names, *words):
    return any(all(w in line for w in words)
               for name in names for line in cloud.log_text(name).splitlines())


def test_all_computes_look_down_builds_wait_then_complete(cloud):
    """Every compute's heartbeats held up past service_down_time, as in a
    broker outage (here: the computes stopped, SIGSTOP): a boot meanwhile
    waits, with no fault, and goes ACTIVE once they are back ([scheduler]
    wait_for_down_hosts), instead of "ComputeFilter: 0 of 3 hosts are up"."""
    computes = ('c1', 'c2', 'c3')
    for name in computes:
        signal_process(cloud, name, signal.SIGSTOP)
    try:
        wait_for(lambda: all(service_state(cloud, h) == 'down' for h in computes), 30,
                 interval=0.2, what='the computes look down')
        [sid] = boot_ids(cloud, ['hostsdown-1'])
        wait_for(lambda: _logged(cloud, ('conductor', 'conductor2'), sid,
                                 'wait for a host to come back'), 30, what='the build waits')
        assert states(cloud, [sid])[sid][0] == 'building' and not fault(cloud, sid)
    finally:
        for name in computes:
            signal_process(cloud, name, signal.SIGCONT)
    back = time.monotonic()
    final = wait_final(cloud, [sid], 60)
    assert final[sid][0] == 'active' and not fault(cloud, sid), fault(cloud, sid)
    figures('all computes looked down', hosts_back_to_active=time.monotonic() - back)


def _load(cloud, prefix, count, workers, outage):
    """Boot ``count`` servers at concurrency ``workers`` in three waves: one
    before the outage, one that ``outage(send)`` sends while it lasts, one
    after it; returns ([(status, server id or None, start, end, Retry-After)],
    what ``outage`` returned)."""
    def one(i):
        start = time.monotonic()
        try:
            r = cloud.boot('%s-%d' % (prefix, i))
        except OSError as e:
            return ('error %s' % type(e).__name__, None, start, time.monotonic(), None)
        sid = r.json['server']['id'] if r.status == 202 else None
        return (r.status, sid, start, time.monotonic(), r.headers.get('Retry-After'))
    third = count // 3
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(one, i) for i in range(third)]
        marks = outage(lambda: futures.extend(pool.submit(one, i)
                                              for i in range(third, 2 * third)))
        futures += [pool.submit(one, i) for i in range(2 * third, count)]
        return [f.result() for f in futures], marks


# the load: 200 boots at concurrency 10, the broker or the database
# away for about 10 s
LOAD, CONCURRENCY, OUTAGE = 200, 10, 10
# s for the load's builds to finish once the outage is over: a bound for
# builds left in BUILD, not a speed target (that is a figure: the issue asks
# that none the outage caught, POSTed before the service was back, is still
# BUILD 30 s after; the rest of the load keeps arriving after the return)
BUILD_ALL = 120


def _caught_active_after(results, ended, up):
    """When the last boot POSTed before ``up`` finished, in s after ``up``
    (None when none was accepted before)."""
    caught = [ended[r[1]] for r in results if r[0] == 202 and r[2] < up]
    return (max(caught) - up if caught else None), len(caught)


def test_database_restarted_mid_load(cloud):
    since = {name: len(cloud.log_text(name)) for name in ('conductor', 'conductor2')}

    def outage(send):
        cloud.pg.stop()
        down = time.monotonic()
        r = wait_for(lambda: (lambda r: r if r.status != 202 else None)(cloud.boot('dbdown')),
                     30, what='a refused boot')
        assert r.status == 503 and r.headers.get('Retry-After'), (r.status, r.raw)
        assert cloud.request('GET', cloud.servers_path()).status == 503
        send()
        while time.monotonic() - down < OUTAGE:
            assert cloud.boot('dbdown').status == 503
            time.sleep(0.5)
        cloud.pg.start()
        cloud.engine.dispose()
        return down, time.monotonic()
    results, (down, up) = _load(cloud, 'dbload', LOAD, CONCURRENCY, outage)
    assert all(r[0] in (202, 503) for r in results), [r for r in results
                                                       if r[0] not in (202, 503)]
    assert all(r[4] for r in results if r[0] == 503)
    accepted = [r[1] for r in results if r[0] == 202]
    first_ok = min((r[3] for r in results if r[0] == 202 and r[2] >= up), default=None)
    ended = {}
    final = wait_final(cloud, accepted, BUILD_ALL, ended)
    all_active = time.monotonic() - up
    assert {s for s, _h in final.values()} == {'active'}, final
    caught_s, caught = _caught_active_after(results, ended, up)
    # nothing half-way: every instance row of this load belongs to a 202
    rows = cloud.query("SELECT uuid FROM instances WHERE display_name LIKE 'dbload-%%' "
                       "OR display_name = 'dbdown'")
    assert sorted(r[0] for r in rows) == sorted(accepted)
    figures('database restart', accepted=len(accepted),
            refused_503=sum(1 for r in results if r[0] == 503),
            db_down=up - down, first_boot_after_return=(first_ok - up) if first_ok else None,
            caught=caught, caught_all_active_after_return=caught_s,
            all_active_after_return=all_active,
            redriven=len(_redriven(cloud, accepted, since)))


def _queue_types(cloud):
    out = cloud.rabbit._ctl('list_queues', '--no-table-headers', 'name', 'type').stdout
    return dict(line.split() for line in out.splitlines() if len(line.split()) == 2)


def test_broker_restarted_mid_load(cloud):
    # the RPC queues are quorum queues (CONF): durable, their messages on disk
    types = _queue_types(cloud)
    assert [types.get(q) for q in ('conductor', 'scheduler', 'compute', 'compute.c1')] == \
        ['quorum'] * 4, types
    since = {name: len(cloud.log_text(name)) for name in ('conductor', 'conductor2')}

    def outage(send):
        down = time.monotonic()
        cloud.rabbit.stop()
        stopped = time.monotonic()
        send()              # these POSTs meet a broker that is away
        # about OUTAGE s without a node: half of it held here, the rest is its
        # start; the API still reads the database meanwhile
        while time.monotonic() - stopped < OUTAGE / 2:
            assert cloud.request('GET', cloud.servers_path()).status == 200
            time.sleep(0.5)
        cloud.rabbit.start()
        return down, stopped, time.monotonic()
    results, (down, stopped, up) = _load(cloud, 'mqload', LOAD, CONCURRENCY, outage)
    accepted = [r[1] for r in results if r[0] == 202]
    assert all(r[0] == 202 for r in results), [r[0] for r in results]
    ended = {}
    final = wait_final(cloud, accepted, BUILD_ALL, ended)
    all_active = time.monotonic() - up
    assert {s for s, _h in final.values()} == {'active'}, [
        fault(cloud, u) for u, (s, _h) in final.items() if s != 'active']
    assert not any(fault(cloud, u) for u in accepted)
    caught_s, caught = _caught_active_after(results, ended, up)
    done = max(r[3] for r in results)
    slowest = max(r[3] - r[2] for r in results)
    firsts = [r[3] for r in results if r[2] >= stopped]
    figures('broker restart', accepted=len(accepted), broker_stopping=stopped - down,
            broker_down=up - stopped,
            slowest_post=slowest, caught=caught, caught_all_active_after_return=caught_s,
            all_active_after_return=all_active,
            last_post_after_return=done - up,
            redriven=len(_redriven(cloud, accepted, since)),
            first_post_answered_after_return=(min(firsts) - up) if firsts else None)
