"""The devstack plugin (devstack/plugin.sh, devstack/settings) run by
devstack's real function library from the reference copy
(../shared/reference/devstack), phase by phase, the way stack.sh, unstack.sh
and clean.sh call it (tests/system/devstack_harness.sh).

- devstack's Keystone and Glance are the real ones (tests/keystone.py,
  tests/glance.py) on the host, its database the host's MariaDB and its broker
  the host's RabbitMQ (a private vhost: ``NOVALITE_RPC_VHOST``, a private
  database: ``NOVALITE_DB_NAME``).
- The services run in a Debian container with systemd as PID 1
  (tests/nspawn.py): local.conf points devstack's own ``SYSTEMD_DIR`` at the
  container's /etc/systemd/system and ``SYSTEMCTL`` at its systemctl, so
  ``run_process`` writes and starts real ``devstack@nl-*.service`` units
  there.  ``DEST`` (the venv, /etc/novalite, the state path) and the checkout
  are bind-mounted at the same paths, as on a devstack host.
- ``OFFLINE=True``: no git clone, no pip download.  The harness's ``prepare``
  step fills devstack's global venv from the wheel cache instead (kept in
  /var/cache/novalite per checkout; made without --system-site-packages, since
  the host's dist-packages are not the container's).
- What devstack would install or run and this machine does not have is
  turned off by devstack's own variables: ``MYSQL_GATHER_PERFORMANCE=False``
  (its dbcounter plugin), ``MEMCACHE_SERVERS`` and ``REQUIREMENTS_DIR`` empty
  (no memcached, no openstack/requirements checkout; stackrc's ``:-``
  defaults mean the harness empties them after sourcing stackrc).
- ``STACK_USER=root``: there is no ``stack`` user on this host, so the units
  run as root (stackrc would pick ``stack`` for root).

No devstack function is stubbed.  Two shortcuts, both calling devstack's
own functions:
- ``run_plugins`` (what ``run_phase`` calls after extras.d), because
  extras.d's 80-tempest.sh would install all of Tempest; ``tempest`` is
  enabled only so that the plugin's test-config phase writes its options into
  ``$TEMPEST_CONFIG``.
- of ``create_keystone_accounts`` and ``create_glance_accounts`` (stack.sh,
  before post-config) only the parts the plugin relies on: the ``service``
  project and role, the ``image`` service and endpoint.  The rest (demo and
  alt_demo users, groups) is ~50 openstack CLI calls, minutes on this machine.
"""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import time

import pytest
import sqlalchemy as sa

from tests import glance as glance_mod
from tests import keystone as ks_mod
from tests import nspawn
from tests import services
from tests.cloud import free_port, wait_for

# builds a venv from the wheel cache, boots a container, runs every phase
pytestmark = [pytest.mark.xdist_group('systemd-containers'), pytest.mark.timeout(1800)]

# ../shared/reference/devstack beside the checkout (or a worktree's checkout)
DEVSTACK_REF = os.environ.get('NOVALITE_DEVSTACK_REF') or next(
    (p for p in (os.path.join(nspawn.ROOT, up, 'shared', 'reference', 'devstack')
                 for up in ('..', os.path.join('..', '..')))
     if os.path.isdir(p)), 'shared/reference/devstack')
HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'devstack_harness.sh')
OPENSTACK = shutil.which('openstack') or os.path.join(os.path.dirname(os.sys.executable),
                                                      'openstack')
UNITS = ('nl-api', 'nl-cond', 'nl-sch', 'nl-cpu')
SERVICE_PASSWORD = 'service-pw'

LOCAL_CONF = """\
[[local|localrc]]
DEST=%(dest)s
DATA_DIR=%(dest)s/data
SERVICE_DIR=%(dest)s/status
STACK_USER=root
OFFLINE=True
HOST_IP=127.0.0.1
SERVICE_HOST=127.0.0.1
SERVICE_LISTEN_ADDRESS=127.0.0.1
ENABLED_SERVICES=key,g-api,mysql,rabbit,tempest
ADMIN_PASSWORD=%(admin_pw)s
SERVICE_PASSWORD=%(service_pw)s
DATABASE_USER=root
DATABASE_PASSWORD=
MYSQL_HOST=127.0.0.1
# devstack installs its dbcounter SQLAlchemy plugin from its tree (pip, offline: no)
MYSQL_GATHER_PERFORMANCE=False
RABBIT_HOST=127.0.0.1
RABBIT_USERID=guest
RABBIT_PASSWORD=guest
OPENSTACKCLIENT_CONF_DIR=%(dest)s/openstack
GLANCE_CONF_DIR=%(dest)s/etc/glance
TEMPEST_DIR=%(dest)s/tempest
DEVSTACK_VENV=%(venv)s
enable_plugin novalite file://%(checkout)s
NOVALITE_DIR=%(checkout)s
NOVALITE_CONF_DIR=%(dest)s/etc/novalite
NOVALITE_COMPUTE_DRIVER=fake
NOVALITE_SERVICE_PORT=%(port)d
NOVALITE_DB_NAME=%(db)s
NOVALITE_RPC_VHOST=%(vhost)s
"""


def _devstack_tree(tmp, local_conf):
    """A devstack checkout: the reference tree as symlinks, plus local.conf."""
    if not os.path.isfile(os.path.join(DEVSTACK_REF, 'functions-common')):
        services.unavailable('the devstack reference tree (%s)' % DEVSTACK_REF)
    top = tmp / 'devstack-tree'
    subprocess.run(['cp', '-as', os.path.realpath(DEVSTACK_REF), str(top)], check=True)
    (top / 'local.conf').write_text(local_conf)
    return top


def _venv_path():
    """devstack's global venv, kept in the container cache between runs: one
    per checkout (novalite is installed editable from it) and requirements."""
    key = hashlib.sha256(nspawn.ROOT.encode())
    for name in ('requirements.txt', 'setup.cfg'):
        with open(os.path.join(nspawn.ROOT, name), 'rb') as f:
            key.update(f.read())
    return os.path.join(nspawn.CACHE, 'devstack-venv-' + key.hexdigest()[:16])


class Devstack:
    def __init__(self, top, env, logs):
        self.top, self.env, self.logs = top, env, logs
        self.times = {}

    def run(self, mode, phase=None, timeout=600):
        name = mode + ('-' + phase if phase else '')
        args = [HARNESS, str(self.top), mode] + ([phase] if phase else [])
        t0 = time.monotonic()
        log = self.logs / ('%s.log' % name)
        with open(log, 'w') as out:
            proc = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, text=True,
                                  env=self.env, timeout=timeout, stdin=subprocess.DEVNULL)
        self.times[name] = time.monotonic() - t0
        with open(self.logs / 'times.txt', 'a') as f:
            f.write('%s %.1f s rc %d\n' % (name, self.times[name], proc.returncode))
        res = subprocess.CompletedProcess(args, proc.returncode, log.read_text(), '')
        assert res.returncode == 0, '%s: rc %d\n%s' % (name, res.returncode,
                                                       (res.stdout + res.stderr)[-6000:])
        return res


@pytest.fixture(scope='module')
def stack(tmp_path_factory):
    if not os.path.isfile(os.path.join(DEVSTACK_REF, 'functions')):
        # reference data, not a service: a clone of this repository alone
        # still runs `make test` (issue 12), so this skips even in CI
        pytest.skip('no devstack tree at %s: set NOVALITE_DEVSTACK_REF to a devstack '
                    'checkout' % DEVSTACK_REF)
    if not shutil.which('shellcheck') and not services.IN_CI:
        services.unavailable('shellcheck')
    tree = nspawn.prepared_tree()
    wheels = os.path.join(nspawn.CACHE, 'wheels')
    venv = _venv_path()
    tmp = tmp_path_factory.mktemp('devstack')
    dest = tmp / 'stack'
    dest.mkdir()
    # enable_plugin's checkout (GITDIR[novalite]); OFFLINE=True clones nothing
    (dest / 'novalite').symlink_to(nspawn.ROOT)
    keystone = ks_mod.Keystone(tmp_path_factory.mktemp('ds-keystone'))
    glance = glance_mod.Glance(tmp_path_factory.mktemp('ds-glance'))
    cleanups, container = [], None
    db = 'nl_devstack_%s' % os.urandom(4).hex()
    try:
        keystone.start()
        cleanups.append(keystone.stop)
        glance.start()
        cleanups.append(glance.stop)
        transport_url, delete_vhost = services.create_vhost()
        cleanups.append(delete_vhost)
        cleanups.append(lambda: _drop_database(db))
        port = free_port()
        top = _devstack_tree(tmp, LOCAL_CONF % {
            'dest': dest, 'admin_pw': ks_mod.ADMIN_PASSWORD, 'service_pw': SERVICE_PASSWORD,
            'checkout': nspawn.ROOT, 'port': port, 'db': db,
            'vhost': transport_url.rsplit('/', 1)[1], 'venv': venv})
        container = nspawn.Container(tree, tmp, 'node', binds=[(nspawn.ROOT, nspawn.ROOT),
                                                               (venv, venv)],
                                     rw_binds=[(dest, dest)])
        env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin:' + os.path.dirname(OPENSTACK),
               'HOME': str(tmp), 'LANG': 'C.UTF-8', 'TERM': 'dumb',
               'NL_KEYSTONE_URI': keystone.url, 'NL_GLANCE_URL': glance.url,
               'NL_WHEELS': wheels, 'NL_SYSTEMD_DIR': '', 'NL_SYSTEMCTL': ''}
        logs = tmp / 'logs'
        logs.mkdir()
        ds = Devstack(top, env, logs)
        ds.run('prepare')               # the venv, before the container binds it
        t0 = time.monotonic()
        container.boot()
        ds.times['container boot'] = time.monotonic() - t0
        env['NL_SYSTEMD_DIR'] = str(container.root / 'etc' / 'systemd' / 'system')
        env['NL_SYSTEMCTL'] = 'nsenter -t %d -a systemctl' % container.leader
        ds.run('stack', 'install')
        ds.run('accounts')
        for phase in ('post-config', 'extra', 'test-config'):
            ds.run('stack', phase)
        yield ds, container, keystone, glance, dest, port, db
    finally:
        if container is not None:
            container.stop()
        for cleanup in reversed(cleanups):
            cleanup()


def _drop_database(name):
    admin = sa.create_engine(services.ADMIN_URLS['mysql'], isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as conn:
            conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
    finally:
        admin.dispose()


def _osc(ds, *args):
    env = dict(ds.env, OS_CLIENT_CONFIG_FILE=str(ds.top.parent / 'stack' / 'openstack' /
                                                 'clouds.yaml'))
    res = subprocess.run([OPENSTACK, '--os-cloud', 'devstack-admin'] + list(args),
                         capture_output=True, text=True, env=env, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout) if '-f' in args and res.stdout.strip() else res.stdout


def test_shellcheck_is_clean():
    if not shutil.which('shellcheck'):
        services.unavailable('shellcheck')
    res = subprocess.run(['shellcheck', '-x', 'devstack/plugin.sh', 'devstack/settings',
                          os.path.relpath(HARNESS, nspawn.ROOT)],
                         capture_output=True, text=True, cwd=nspawn.ROOT)
    assert res.returncode == 0, res.stdout + res.stderr


def test_run_process_wrote_devstack_units(stack):
    ds, container, *_ = stack
    for svc in UNITS:
        unit = 'devstack@%s.service' % svc
        assert container.show(unit, 'ActiveState') == 'active', container.journal(unit)
        assert container.show(unit, 'UnitFileState') == 'enabled'
        assert container.show(unit, 'FragmentPath') == '/etc/systemd/system/' + unit


def test_test_config_wrote_tempest_options(stack):
    _ds, _c, _ks, _g, dest, _port, _db = stack
    conf = (dest / 'tempest' / 'etc' / 'tempest.conf').read_text()
    assert '[compute]' in conf and 'flavor_ref = 42' in conf
    assert '[service_available]' in conf and 'nova = True' in conf


def test_server_boots_through_keystone_catalog(stack):
    ds, container, keystone, glance, dest, port, db = stack
    catalog = _osc(ds, 'catalog', 'show', 'compute', '-f', 'json')
    assert any(e['url'] == 'http://127.0.0.1:%d/v2.1' % port for e in catalog['endpoints'])
    image = glance.create_image('devstack-image', b'\0' * 65536)
    # every service signs its RPC messages with the key init_novalite enrolled
    keys = dest / 'data' / 'novalite' / 'keys'
    host = socket.gethostname()
    for binary in ('api', 'conductor', 'scheduler', 'compute'):
        assert (keys / ('novalite-%s.%s.key' % (binary, host))).is_file()
    t0 = time.monotonic()
    server = _osc(ds, 'server', 'create', '--image', image['id'], '--flavor', 'm1.nano',
                  '--nic', 'none', '--wait', '-f', 'json', 'ds-vm')
    print('openstack server create --wait: %.1f s' % (time.monotonic() - t0))
    assert server['status'] == 'ACTIVE', server
    assert server['OS-EXT-SRV-ATTR:host'] == host
    _osc(ds, 'server', 'delete', '--wait', 'ds-vm')


def test_unstack_then_clean(stack):
    ds, container, _ks, _g, dest, _port, _db = stack
    conf = dest / 'etc' / 'novalite' / 'novalite.conf'
    state = dest / 'data' / 'novalite'
    assert conf.exists() and state.exists()
    ds.run('unstack')
    for svc in UNITS:
        unit = 'devstack@%s.service' % svc
        assert container.show(unit, 'ActiveState') == 'inactive'
        assert container.show(unit, 'UnitFileState') == 'disabled'
    ds.run('clean')
    assert not conf.exists() and not state.exists()
    print('devstack phase times: ' + ', '.join('%s %.1f s' % kv for kv in ds.times.items()))
