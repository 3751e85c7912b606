"""Two nodes installed as an operator does, under real systemd (PID 1 in a
container each): a controller (api, conductor, scheduler) and a compute
(fake driver), set up by ``novalite-manage node install``, sharing the host's
RabbitMQ (a vhost of their own) and PostgreSQL (a database of their own)."""
import subprocess
import sys
import time

import pytest

from tests.cloud import Cloud, free_port, wait_for
from tests import nspawn
from tests import services

# setup builds a wheel, boots two containers and installs both nodes
pytestmark = [pytest.mark.xdist_group('systemd-containers'), pytest.mark.timeout(600)]

CONTROLLER_UNITS = ('novalite-api', 'novalite-conductor', 'novalite-scheduler')
VENV = nspawn.VENV


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp('wheel')
    res = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '-w',
                          str(out), nspawn.ROOT], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return out


def _install(node, role, options, *extra):
    node.run('sh', '-c', '%s/bin/pip install -q --no-index --no-deps /wheels/novalite-*.whl'
             % VENV)
    args = ['%s/bin/novalite-manage' % VENV, 'node', 'install', role, '--start'] + list(extra)
    for k, v in options.items():
        args += ['--set', '%s=%s' % (k, v)]
    node.run(*args, timeout=180)


@pytest.fixture(scope='module')
def two_nodes(tmp_path_factory, wheel):
    tree = nspawn.prepared_tree()
    tmp = tmp_path_factory.mktemp('two-node')
    db_url, drop = services.create_database('postgresql', tmp)
    rabbit, delete = services.create_vhost()
    port = free_port()
    common = {'transport_url': rabbit, 'report_interval': '1', 'service_down_time': '6',
              'graceful_shutdown_timeout': '20', 'osapi_compute_listen_port': str(port)}
    nodes = []
    try:
        ctl = nspawn.Container(tree, tmp, 'controller', binds=[(wheel, '/wheels')])
        nodes.append(ctl)
        ctl.boot()
        t0 = time.monotonic()
        _install(ctl, 'controller', dict(common, host='controller',
                                         **{'database.connection': db_url}))
        # the admin enrols the compute on the controller and brings its key
        # and the controller's trusted keys to the compute (doc/security.md)
        manage = ['%s/bin/novalite-manage' % VENV, '--config-file', '/etc/novalite/novalite.conf']
        ctl.run(*manage, 'service', 'enrol', 'novalite-compute', 'compute1',
                '--key-file', '/root/compute1.key')
        ctl.run(*manage, 'service', 'trusted-keys', '--output', '/root/trusted_keys.json')
        keys = tmp / 'compute-keys'
        keys.mkdir()
        for name in ('compute1.key', 'trusted_keys.json'):
            (keys / name).write_bytes(ctl.run('cat', '/root/' + name).stdout.encode())
        cmp = nspawn.Container(tree, tmp, 'compute', binds=[(wheel, '/wheels'),
                                                            (keys, '/keys')])
        nodes.append(cmp)
        cmp.boot()
        _install(cmp, 'compute', dict(common, host='compute1', compute_driver='fake',
                                      **{'fake_driver.spawn_delay': '4'}),
                 '--key-file', '/keys/compute1.key',
                 '--trusted-keys-file', '/keys/trusted_keys.json')
        cloud = Cloud(tmp, db_url, rabbit, computes=())
        cloud.port, cloud.base = port, 'http://127.0.0.1:%d' % port
        wait_for(cloud._api_up, 60, what='novalite-api in the controller')
        cloud.wait_compute_up('compute1')
        print('install of both nodes to a compute up: %.1f s' % (time.monotonic() - t0))
        cloud.seed_catalog()
        yield ctl, cmp, cloud
    finally:
        for node in reversed(nodes):
            node.stop()
        drop()
        delete()


def test_units_are_active_through_ready(two_nodes):
    ctl, cmp, _cloud = two_nodes
    for node, units in ((ctl, CONTROLLER_UNITS), (cmp, ('novalite-compute',))):
        for unit in units:
            assert node.show(unit, 'ActiveState') == 'active', node.journal(unit)
            # Type=notify: active only once the daemon sent READY=1
            assert node.show(unit, 'Type') == 'notify'
            assert node.show(unit, 'UnitFileState') == 'enabled'
            assert node.show(unit, 'User') == 'novalite'
    conf = cmp.run('cat', '/etc/novalite/novalite.conf').stdout
    assert '[database]' not in conf and 'compute_driver = fake' in conf
    assert cmp.run('stat', '-c', '%U', '/var/lib/novalite').stdout.strip() == 'novalite'


def test_server_boots_through_the_controller(two_nodes):
    _ctl, _cmp, cloud = two_nodes
    r = cloud.boot('two-node')
    assert r.status == 202, r.raw
    server = cloud.wait_status(r.json['server']['id'], timeout=60)
    assert server['status'] == 'ACTIVE', server
    assert server['OS-EXT-SRV-ATTR:host'] == 'compute1'


def test_systemctl_stop_drains_a_build(two_nodes):
    _ctl, cmp, cloud = two_nodes
    r = cloud.boot('drained')
    sid = r.json['server']['id']
    wait_for(lambda: cloud.get_server(sid).json['server']['OS-EXT-STS:task_state']
             == 'spawning', 30, what='build spawning')
    t0 = time.monotonic()
    cmp.systemctl('stop', 'novalite-compute')
    took = time.monotonic() - t0
    print('systemctl stop novalite-compute with a build in flight: %.1f s' % took)
    assert cmp.show('novalite-compute', 'ActiveState') == 'inactive'
    assert cmp.show('novalite-compute', 'Result') == 'success'
    assert cloud.get_server(sid).json['server']['status'] == 'ACTIVE'
    assert took < 20
    cmp.systemctl('start', 'novalite-compute')
    assert cmp.show('novalite-compute', 'ActiveState') == 'active'


def test_sigkill_is_restarted_and_recovers(two_nodes):
    ctl, _cmp, cloud = two_nodes
    pid = ctl.show('novalite-conductor', 'MainPID')
    t0 = time.monotonic()
    ctl.systemctl('kill', '-s', 'KILL', 'novalite-conductor')
    wait_for(lambda: ctl.show('novalite-conductor', 'MainPID') not in ('0', pid)
             and ctl.show('novalite-conductor', 'ActiveState') == 'active', 30,
             what='conductor restarted by Restart=on-failure')
    print('SIGKILL to conductor active again: %.1f s' % (time.monotonic() - t0))
    assert ctl.show('novalite-conductor', 'NRestarts') == '1'
    r = cloud.boot('after-kill')
    assert cloud.wait_status(r.json['server']['id'], timeout=60)['status'] == 'ACTIVE'


def test_reload_changes_the_log_level(two_nodes):
    ctl, _cmp, cloud = two_nodes
    unit = 'novalite-api'      # logs DEBUG lines for a create (the create_instance hook)
    before = ctl.journal(unit)
    assert ' DEBUG ' not in before
    ctl.run('sh', '-c', 'printf "debug = true\\n" > /tmp/d && '
            'sed -i "/^\\[DEFAULT\\]/r /tmp/d" /etc/novalite/novalite.conf')
    pid = ctl.show(unit, 'MainPID')
    res = ctl.systemctl('reload', unit, check=False)
    assert res.returncode == 0, ctl.run('systemctl', 'status', '-l', '--no-pager', unit,
                                        check=False).stdout + ctl.journal(unit)[-3000:]
    wait_for(lambda: 'reloading the configuration' in ctl.journal(unit), 20,
             what='SIGHUP handled')
    r = cloud.boot('after-reload')
    cloud.wait_status(r.json['server']['id'], timeout=60)
    wait_for(lambda: ' DEBUG ' in ctl.journal(unit), 20, what='DEBUG lines after reload')
    assert ctl.show(unit, 'MainPID') == pid       # same process, not restarted


def _status(node, pid):
    lines = node.run('cat', '/proc/%s/status' % pid).stdout.splitlines()
    return dict(ln.split(':\t', 1) for ln in lines if ':\t' in ln)


def _in_unit_ns(node, pid, *cmd):
    """Run ``cmd`` in the unit's mount namespace (what its sandbox shows)."""
    return node.run('nsenter', '-t', pid, '-m', *cmd, check=False)


def test_sandbox_allows_and_refuses(two_nodes):
    ctl, cmp, _cloud = two_nodes
    api_pid = ctl.show('novalite-api', 'MainPID')
    st = _status(ctl, api_pid)
    assert st['NoNewPrivs'].strip() == '1'
    assert st['Seccomp'].strip() == '2'                    # system call filter
    assert int(st['CapEff'], 16) == 0 and int(st['CapBnd'], 16) == 0
    # ProtectSystem=strict: /usr and /etc read-only, the state path writable
    assert _in_unit_ns(ctl, api_pid, 'touch', '/etc/novalite/x').returncode != 0
    assert _in_unit_ns(ctl, api_pid, 'touch', '/usr/x').returncode != 0
    assert _in_unit_ns(ctl, api_pid, 'touch', '/var/lib/novalite/x').returncode == 0
    # ProtectHome, PrivateTmp, PrivateDevices
    assert _in_unit_ns(ctl, api_pid, 'ls', '/root').returncode != 0 or \
        not _in_unit_ns(ctl, api_pid, 'ls', '-A', '/root').stdout.strip()
    assert ctl.run('test', '-e', '/dev/net/tun', check=False).returncode == 0
    assert _in_unit_ns(ctl, api_pid, 'test', '-e', '/dev/net/tun').returncode != 0
    cpu_pid = cmp.show('novalite-compute', 'MainPID')
    st = _status(cmp, cpu_pid)
    # compute: at most CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE (nspawn
    # withholds CAP_NET_ADMIN from a container on the host's network)
    allowed = (1 << 12) | (1 << 13) | (1 << 10)
    eff = int(st['CapEff'], 16)
    assert eff and eff & ~allowed == 0, hex(eff)
    assert st['NoNewPrivs'].strip() == '1'
    assert _in_unit_ns(cmp, cpu_pid, 'touch', '/etc/x').returncode != 0
