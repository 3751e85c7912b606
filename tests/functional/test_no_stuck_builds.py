"""No instance stays in BUILD forever: a compute that dies mid-build is seen
down by the conductor, which releases its claims and reschedules its builds;
with no other host they end in ERROR with a fault naming both causes."""
import signal

import pytest

from tests.cloud import private_cloud, wait_for


@pytest.fixture
def slow_cloud(tmp_path):
    with private_cloud(tmp_path, computes=('slowhost',),
                       compute_conf={'slowhost': '[fake_driver]\nspawn_delay = 120\n'},
                       extra_conf='[conductor]\nstuck_build_check_interval = 1\n'
                                  'build_resume_deadline = 3\n'
                                  '[DEFAULT]\n') as c:
        yield c.start().seed_catalog()


def test_build_on_a_dead_compute_ends_in_error(slow_cloud):
    c = slow_cloud
    r = c.boot('doomed')
    assert r.status == 202
    sid = r.json['server']['id']
    wait_for(lambda: c.get_server(sid).json['server']['OS-EXT-STS:task_state'] == 'spawning',
             30, what='spawning')
    assert c.node_usage('slowhost')[3] == 1          # the claim is held
    c.stop_process('slowhost', signal.SIGKILL)
    server = c.wait_status(sid, ('ERROR',), timeout=60)
    # rescheduled once its host is down; no other host: ERROR naming both
    message = server['fault']['message']
    assert message.startswith('No valid host was found.'), message
    assert message.endswith('Rescheduled after: Compute host slowhost stopped reporting '
                            'while building instance %s' % sid), message
    # the conductor writes ERROR first (it must win against a late compute),
    # then the fault and the claim release: wait for the release, with a deadline
    wait_for(lambda: c.node_usage('slowhost') == (0, 512, 0, 0), 10, what='claim released')
    # and it can be deleted (local delete: its compute is down)
    assert c.request('DELETE', c.servers_path('/' + sid)).status == 204
    c.wait_gone(sid)


# [conductor] build_timeout, the last resort: a spawn that never ends on a
# compute that stays up (every redrive finds it still building there)
BUILD_TIMEOUT = 8
HANG = ('[fake_driver]\nslow_spawn_name_regex = ^hang\nslow_spawn_delay = %d\n'
        % (BUILD_TIMEOUT + 14))


@pytest.fixture
def hang_cloud(tmp_path):
    with private_cloud(tmp_path, computes=('hanghost',), compute_conf={'hanghost': HANG},
                       extra_conf='[conductor]\nstuck_build_check_interval = 1\n'
                                  'build_resume_deadline = 3\nbuild_timeout = %d\n'
                                  '[DEFAULT]\n' % BUILD_TIMEOUT) as c:
        yield c.start().seed_catalog()


def test_build_that_never_finishes_ends_at_build_timeout(hang_cloud):
    c = hang_cloud
    idle = c.node_usage('hanghost')
    r = c.boot('hang-1')
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    wait_for(lambda: c.get_server(sid).json['server']['OS-EXT-STS:task_state'] == 'spawning',
             30, what='spawning')
    assert c.node_usage('hanghost')[3] == 1                 # the claim is held
    # the compute marks the build it holds alive (conductor 4.3 builds_alive),
    # so it never looks stalled; it still ends in ERROR at the build timeout,
    # with a fault naming the step
    server = c.wait_status(sid, ('ERROR',), timeout=60)
    assert server['fault']['message'] == (
        'Build of instance %s timed out: still spawning on compute host hanghost after %d s'
        % (sid, BUILD_TIMEOUT)), server['fault']
    wait_for(lambda: c.node_usage('hanghost') == idle, 10, what='claim released')
    # the spawn ends later: the compute must not bring it back to life, nor
    # claim again; it cleans up its guest instead
    wait_for(lambda: 'Instance %s was deleted during its build' % sid
             in c.log_text('hanghost'), 60, what='the hung spawn to return')
    server = c.get_server(sid).json['server']
    assert (server['status'], server['OS-EXT-STS:task_state']) == ('ERROR', None)
    assert c.node_usage('hanghost') == idle
    assert c.request('DELETE', c.servers_path('/' + sid)).status == 204
    c.wait_gone(sid)
