"""The real services the suite runs against: RabbitMQ, PostgreSQL, MariaDB.

In CI (``CI=true``) a missing service is a failure; on a developer's machine
it is a skip with the reason.
"""
import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest
import sqlalchemy as sa

IN_CI = os.environ.get('CI') == 'true'

ADMIN_URLS = {
    'postgresql': 'postgresql+psycopg://postgres@127.0.0.1:5432/test',
    'mysql': 'mysql+pymysql://root@127.0.0.1:3306/test',
}
BACKENDS = ('sqlite', 'postgresql', 'mysql')


def unavailable(what):
    if IN_CI:
        pytest.fail('%s is required in CI and is not available' % what)
    pytest.skip('%s is not available' % what)


@contextlib.contextmanager
def novalite_engine_on(url):
    """novalite's engine pointed at ``url``, migrated; put back afterwards."""
    from oslo_config import cfg
    import novalite.conf  # noqa: F401 - registers [database]
    from novalite.db import migration
    from novalite.db import session as db_session
    cfg.CONF.set_override('connection', url, 'database')
    db_session.dispose_engine()
    migration.db_sync()
    try:
        yield url
    finally:
        db_session.dispose_engine()
        cfg.CONF.clear_override('connection', 'database')


def create_database(backend, tmp_path):
    """A fresh empty database; returns (url, drop callable)."""
    if backend == 'sqlite':
        return 'sqlite:///%s' % (tmp_path / 'novalite.sqlite'), lambda: None
    name = 'nl_%s' % uuid.uuid4().hex[:12]
    admin = sa.create_engine(ADMIN_URLS[backend], isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as conn:
            conn.execute(sa.text('CREATE DATABASE %s' % name))
    except Exception as e:  # noqa: BLE001
        admin.dispose()
        unavailable('%s (%s)' % (backend, e))
    url = ADMIN_URLS[backend].rsplit('/', 1)[0] + '/' + name
    if backend == 'mysql':
        url += '?charset=utf8mb4'

    def drop():
        with admin.connect() as conn:
            if backend == 'postgresql':
                conn.execute(sa.text('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name))
            else:
                conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
        admin.dispose()
    return url, drop


def _rabbitmqctl(*args):
    return subprocess.run(['rabbitmqctl', '-q'] + list(args), capture_output=True,
                          text=True, timeout=60)


def create_vhost():
    """A private RabbitMQ virtual host so runs never see each other's queues;
    returns (transport_url, delete callable)."""
    vhost = 'novalite-test-%s' % uuid.uuid4().hex[:10]
    try:
        res = _rabbitmqctl('add_vhost', vhost)
    except (OSError, subprocess.TimeoutExpired) as e:
        unavailable('RabbitMQ (rabbitmqctl: %s)' % e)
    if res.returncode != 0:
        unavailable('RabbitMQ (%s)' % res.stderr.strip())
    _rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*')
    return ('rabbit://guest:guest@127.0.0.1:5672/%s' % vhost,
            lambda: _rabbitmqctl('delete_vhost', vhost))


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def service_venv(service):
    """The venv of a real OpenStack service (keystone, glance) installed by
    tools/setup-service-venv.sh (``make test`` does it); installed here in CI,
    a skip (locally) or a failure (CI) when it is missing or broken."""
    venv = os.environ.get('%s_VENV' % service.upper(),
                          os.path.join(ROOT, '.venv-%s' % service))
    setup = os.path.join(ROOT, 'tools', 'setup-service-venv.sh')
    if not os.path.exists(os.path.join(venv, '.%s-stamp' % service)):
        if not IN_CI:
            unavailable('%s (not installed: run tools/setup-service-venv.sh %s or '
                        '`make test`, which does it)' % (service, service))
        res = subprocess.run([setup, service, venv], capture_output=True, text=True,
                             timeout=280)
        if res.returncode:
            unavailable('%s (tools/setup-service-venv.sh failed: %s)'
                        % (service, (res.stdout + res.stderr)[-2000:]))
    return venv


def _answers(url, proc):
    if proc.poll() is not None:
        raise RuntimeError('gunicorn exited with %s' % proc.returncode)
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True                 # any HTTP answer: the application is up
    except OSError:
        return False


def start_gunicorn(venv, app, port, chdir, env, log_path, what, workers=1):
    """Serve ``app`` (module:attribute) from ``venv`` with gunicorn on
    127.0.0.1:``port``; wait until it answers HTTP.  Returns the process (its
    own process group, for stop_process_group)."""
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(
            [os.path.join(venv, 'bin', 'gunicorn'), '--chdir', str(chdir), '--workers',
             str(workers), '--bind', '127.0.0.1:%d' % port, app],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=dict(os.environ, **env), start_new_session=True)
    url = 'http://127.0.0.1:%d/' % port
    deadline = time.monotonic() + 60
    try:
        while not _answers(url, proc):
            if time.monotonic() > deadline:
                raise RuntimeError('no answer on %s after 60 s' % url)
            time.sleep(0.1)
    except RuntimeError as e:
        stop_process_group(proc)
        unavailable('%s (%s; log: %s)' % (what, e, log_path.read_text(errors='replace')[-2000:]))
    return proc


def stop_process_group(proc):
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
