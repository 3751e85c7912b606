"""novalite.api.wsgi:application under real WSGI servers (gunicorn, uwsgi),
configured by $NOVALITE_CONFIG_FILE and never by the server's argv: the
version document and a create answer."""
import os
import subprocess
import sys

import pytest

from tests.cloud import free_port, private_cloud, wait_for
from tests import services

BIN = os.path.dirname(sys.executable)


def _server_cmd(kind, port):
    exe = os.path.join(BIN, kind)
    if not os.path.exists(exe):
        services.unavailable('%s (in test-requirements.txt)' % kind)
    if kind == 'gunicorn':
        return [exe, '--workers', '2', '--bind', '127.0.0.1:%d' % port,
                'novalite.api.wsgi:application']
    return [exe, '--http-socket', '127.0.0.1:%d' % port, '--module',
            'novalite.api.wsgi:application', '--processes', '2', '--threads', '4',
            '--master', '--die-on-term', '--need-app', '--virtualenv', sys.prefix]


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('wsgi')
    with private_cloud(tmp) as c:
        c.start().seed_catalog()
        yield c


@pytest.mark.parametrize('kind', ['gunicorn', 'uwsgi'])
def test_api_under_wsgi_server(cloud, kind, tmp_path):
    port = free_port()
    log = open(tmp_path / ('%s.log' % kind), 'wb')
    proc = subprocess.Popen(_server_cmd(kind, port), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            env=dict(os.environ, NOVALITE_CONFIG_FILE=str(cloud.conf)))
    try:
        base, cloud.base = cloud.base, 'http://127.0.0.1:%d' % port
        try:
            wait_for(lambda: proc.poll() is None and cloud._api_up(), 60,
                     what='%s serving novalite' % kind)
            versions = cloud.request('GET', '/')
            assert versions.status == 200
            assert [v['id'] for v in versions.json['versions']] == ['v2.0', 'v2.1']
            r = cloud.boot('under-%s' % kind)
            assert r.status == 202, r.raw
            server = cloud.wait_status(r.json['server']['id'], timeout=60)
            assert server['status'] == 'ACTIVE', server
        finally:
            cloud.base = base
    finally:
        services.stop_process_group(proc)
        log.close()
