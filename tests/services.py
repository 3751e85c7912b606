"""The real services the suite runs against: RabbitMQ, PostgreSQL, MariaDB.

In CI (``CI=true``) a missing service is a failure; on a developer's machine
it is a skip with the reason.
"""
import os
import subprocess
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
