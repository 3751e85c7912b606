"""SIGTERM under a small load drains instead of losing builds: the conductor,
the compute, the API and the scheduler each exit 0 within
graceful_shutdown_timeout, and every accepted server reaches ACTIVE (fake
driver with a spawn delay)."""
import concurrent.futures
import os
import re
import signal
import time
import urllib.error
import urllib.parse

import pytest

from tests import services
from tests.cloud import private_cloud, wait_for

pytestmark = pytest.mark.xdist_group('graceful-stop')

# room for every server of the module (about 60, none deleted)
SLOW = '[fake_driver]\nspawn_delay = 2\nmemory_mb = 65536\nvcpus = 1000\n'
# service_down_time: compute heartbeats go through the conductor, so a
# conductor restart must not make the computes look down (issue 11's
# heartbeat point, not what these tests measure)
EXTRA = ('graceful_shutdown_timeout = 30\nmax_concurrent_builds = 2\n'
         'service_down_time = 60\nosapi_compute_workers = 2\n'
         '[quota]\ninstances = -1\ncores = -1\nram = -1\n'
         '[conductor]\nbuild_timeout = 80\nstuck_build_check_interval = 5\n')


def _sigterm(cloud, name):
    proc = [p for n, p in cloud.procs if n == name][-1]
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(40)
    return code, time.monotonic() - t0


def _boot_many(cloud, n, prefix):
    ids = []
    for i in range(n):
        r = cloud.boot('%s-%d' % (prefix, i))
        assert r.status == 202, r.raw
        ids.append(r.json['server']['id'])
    return ids


def _all_active(cloud, ids, timeout=60, what=None, since=None):
    """Every server of ``ids`` ACTIVE; with ``what``, print how long after
    ``since`` (a monotonic time) the last one got there."""
    states = {}
    for sid in ids:
        server = cloud.wait_status(sid, timeout=timeout)
        states[sid] = (server['status'], (server.get('fault') or {}).get('message'))
    if what:
        print('%s: all %d ACTIVE %.1f s after; faults: %s' % (
            what, len(ids), time.monotonic() - since,
            [f for s, f in states.values() if s != 'ACTIVE']))
    assert {s for s, _f in states.values()} == {'ACTIVE'}, states


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    """One cloud for the four tests, in this order: compute1 stops (compute2
    stays), conductor stops (conductor2 stays), the API stops (api2 starts),
    the only scheduler stops and starts again."""
    with private_cloud(tmp_path_factory.mktemp('graceful'), computes=('compute1', 'compute2'),
                       compute_conf={'compute1': SLOW, 'compute2': SLOW},
                       extra_conf=EXTRA) as c:
        c.start().seed_catalog()
        yield c


def test_sigterm_compute_finishes_running_and_hands_back_queued(cloud):
    ids = _boot_many(cloud, 8, 'c')
    # every build on its way to a host first (a cast that reaches compute1's
    # queue after its consumers are cancelled waits there for the restart below)
    wait_for(lambda: cloud.query("SELECT count(*) FROM instances WHERE display_name "
                                 "LIKE 'c-%' AND host IS NOT NULL")[0][0] == 8, 60,
             what='all 8 builds cast to a compute')
    wait_for(lambda: cloud.query("SELECT count(*) FROM instances WHERE host = 'compute1' "
                                 "AND task_state = 'spawning'")[0][0] >= 1, 30,
             what='builds spawning on compute1')
    code, took = _sigterm(cloud, 'compute1')
    print('compute SIGTERM with builds in flight: exit %d after %.1f s' % (code, took))
    assert code == 0 and took < 30
    log = cloud.log_text('compute1')
    assert 'Build drain:' in log
    drained = log.split('Build drain:')[1].splitlines()[0]
    print('compute1 drain:', drained)
    # a rolling restart: back at once (the scheduler still counts it up for
    # service_down_time, and builds cast to it meanwhile wait in its queue)
    cloud._spawn('compute1-again', 'novalite-compute', cloud.compute_confs['compute1'])
    wait_for(lambda: 'started on host' in cloud.log_text('compute1-again'), 60,
             what='compute1 restarted')
    _all_active(cloud, ids)


def _unanswered_calls(cloud, since):
    """The compute's conductor calls that went unanswered (and were retried)
    after the log offsets ``since``."""
    return [line for name, offset in since.items()
            for line in cloud.log_text(name)[offset:].splitlines() if 'did not answer' in line]


def test_sigterm_conductor_loses_no_build(cloud):
    """A rolling restart: with a second conductor running, the first one
    stops under load.  It consumes nothing it will not finish: its consumers
    are cancelled on the broker, what it received it answers, what it did
    not take stays queued for the other one.  So every build reaches ACTIVE
    and no compute call waits for an answer that never comes (each would be
    retried after call_timeout, 30 s here, by the compute)."""
    cloud._spawn('conductor2', 'novalite-conductor', cloud.conf)
    wait_for(lambda: 'started on host' in cloud.log_text('conductor2'), 60,
             what='second conductor consuming')
    computes = [n for n, p in cloud.procs if n.startswith('compute') and p.poll() is None]
    since = {name: len(cloud.log_text(name)) for name in computes}
    ids = _boot_many(cloud, 10, 'k')
    # stop while the computes call the conductor (claims, saves, events)
    wait_for(lambda: cloud.query("SELECT count(*) FROM instances WHERE display_name "
                                 "LIKE 'k-%' AND task_state = 'spawning'")[0][0] >= 2, 30,
             what='builds spawning')
    code, took = _sigterm(cloud, 'conductor')
    t_stop = time.monotonic()
    print('conductor SIGTERM under load: exit %d after %.1f s' % (code, took))
    assert code == 0 and took < 30
    cancelled = re.search(r'no longer consuming from conductor \((\d+) consumers cancelled',
                          cloud.log_text('conductor'))
    assert cancelled and int(cancelled.group(1)) >= 2      # conductor, conductor.<host>
    _all_active(cloud, ids, 150, 'conductor rolling stop (after the stop)', t_stop)
    assert _unanswered_calls(cloud, since) == []


def _children(pid):
    with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
        return f.read().split()


def test_sigterm_api_finishes_its_requests(cloud):
    api = [p for n, p in cloud.procs if n == 'api'][-1]
    assert len(_children(api.pid)) == 2         # osapi_compute_workers processes
    def post(i):
        try:
            r = cloud.boot('a-%d' % i)
            return r.status, (r.json or {}).get('server', {}).get('id')
        except (OSError, urllib.error.URLError):
            return None, None
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(post, i) for i in range(16)]
        wait_for(lambda: cloud.query("SELECT count(*) FROM instances WHERE display_name "
                                     "LIKE 'a-%'")[0][0] >= 2, 30,
                 what='POSTs under way')
        code, took = _sigterm(cloud, 'api')
        results = [f.result() for f in futures]
    print('api SIGTERM with POSTs in flight: exit %d after %.1f s; %d of 16 got 202'
          % (code, took, sum(1 for s, _ in results if s == 202)))
    assert code == 0 and took < 30
    accepted = [sid for status, sid in results if status == 202]
    assert all(status in (202, None) for status, _ in results), [
        r for r in results if r[0] != 202]
    # nothing created behind a client's back: rows == 202 answers
    assert cloud.query("SELECT count(*) FROM instances WHERE display_name LIKE 'a-%'"
                       )[0][0] == len(accepted)
    cloud._spawn('api2', 'novalite-api', cloud.conf)
    wait_for(cloud._api_up, 30, what='api restarted')
    _all_active(cloud, accepted)


def _scheduler_queue(cloud):
    """(ready, unacknowledged) messages of the shared scheduler queue."""
    vhost = urllib.parse.unquote(urllib.parse.urlparse(cloud.transport_url).path[1:])
    out = services._rabbitmqctl('list_queues', '-p', vhost, '--no-table-headers', 'name',
                                'messages_ready', 'messages_unacknowledged').stdout
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    return tuple(int(n) for n in rows.get('scheduler', (0, 0)))


def _scheduling_started(cloud, prefix):
    return cloud.query(
        "SELECT count(*) FROM instance_actions_events e JOIN instance_actions a ON "
        "a.id = e.action_id JOIN instances i ON i.uuid = a.instance_uuid WHERE "
        "e.event = 'conductor_schedule_and_build_instances' AND i.display_name LIKE :p",
        p=prefix + '-%')[0][0]


def test_sigterm_scheduler_loses_no_build(cloud):
    """The only scheduler stops with select_destinations calls in its hands
    (it is frozen while the conductor's calls pile up, so the broker has
    delivered them to it unacknowledged), boots go on while it is down, and it
    starts again.  It exits 0 within its stop timeout; each call it held is
    either answered or goes back to the queue for its successor, so the
    conductor's calls all get an answer (none times out and no build waits
    for the redrive) and every accepted server reaches ACTIVE."""
    conductors = [n for n, p in cloud.procs if n.startswith('conductor') and p.poll() is None]
    since = {name: len(cloud.log_text(name)) for name in conductors}
    ids = _boot_many(cloud, 5, 's-before')
    proc = [p for n, p in cloud.procs if n == 'scheduler'][-1]
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        ids += _boot_many(cloud, 5, 's-held')
        wait_for(lambda: _scheduling_started(cloud, 's-held') == 5, 30,
                 what="the conductor's calls for the held boots")
        held = wait_for(lambda: _scheduler_queue(cloud)[1] or None, 30,
                        what='calls delivered to the frozen scheduler')
        print('scheduler frozen holding %d unacknowledged calls' % held)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    ids += _boot_many(cloud, 3, 's-stopping')
    code = proc.wait(40)
    took = time.monotonic() - t0
    print('scheduler SIGTERM holding calls: exit %d after %.1f s' % (code, took))
    assert code == 0 and took < 30
    cancelled = re.search(r'no longer consuming from scheduler \((\d+) consumers cancelled',
                          cloud.log_text('scheduler'))
    assert cancelled and int(cancelled.group(1)) >= 2      # scheduler, scheduler.<host>
    ids += _boot_many(cloud, 5, 's-down')
    cloud.restart_process('scheduler')
    back = time.monotonic()
    ids += _boot_many(cloud, 2, 's-after')
    _all_active(cloud, ids, 60, 'scheduler stop + restart (after the restart)', back)
    # a call the stopping scheduler took and dropped would have left its
    # builds to the redrive (build_resume_deadline, 20 s) and its conductor
    # waiting for call_monitor_timeout
    lines = [line for name, offset in since.items()
             for line in cloud.log_text(name)[offset:].splitlines()
             if 'Scheduler unreachable' in line or 'driven again' in line]
    assert [line for line in lines if any(sid in line for sid in ids)] == []
