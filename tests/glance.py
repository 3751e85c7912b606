"""A real Glance for functional tests: glance from PyPI in its own venv
(tools/setup-service-venv.sh glance), SQLite, the filesystem store, no
Keystone (Glance's unauthenticated-context pipeline), served by gunicorn on a
free port from the test's tmp dir.

In CI (``CI=true``) a Glance that cannot be installed or started fails the
test; elsewhere the test is skipped with the reason.
"""
import json
import os
import shutil
import subprocess
import urllib.request

from tests import cloud as cloud_mod
from tests import services

CONF = """\
[DEFAULT]
enabled_backends = fs:file
node_staging_uri = file://%(t)s/staging
[database]
connection = sqlite:///%(t)s/glance.sqlite
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = %(t)s/images
[paste_deploy]
flavor =
config_file = %(t)s/glance-api-paste.ini
[oslo_policy]
# no Keystone: requests carry no roles, so Glance's legacy (pre-RBAC) defaults
enforce_new_defaults = false
enforce_scope = false
"""


class Glance:
    def __init__(self, tmp):
        self.venv = services.service_venv('glance')
        self.tmp = tmp
        self.port = cloud_mod.free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.proc = None

    def start(self):
        shutil.copy(os.path.join(self.venv, 'etc', 'glance', 'glance-api-paste.ini'), self.tmp)
        (self.tmp / 'glance-api.conf').write_text(CONF % {'t': self.tmp})
        res = subprocess.run([os.path.join(self.venv, 'bin', 'glance-manage'), '--config-file',
                              str(self.tmp / 'glance-api.conf'), 'db_sync'],
                             capture_output=True, text=True, timeout=120)
        if res.returncode:
            services.unavailable('Glance (glance-manage db_sync: %s)'
                                 % (res.stdout + res.stderr)[-2000:])
        self.proc = services.start_gunicorn(
            self.venv, 'glance.wsgi.api:application', self.port, self.tmp,
            {'OS_GLANCE_CONFIG_DIR': str(self.tmp)}, self.tmp / 'glance.log', 'Glance')
        return self

    def stop(self):
        services.stop_process_group(self.proc)

    def _call(self, method, path, data=None, ctype='application/json'):
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={'Content-Type': ctype})
        with urllib.request.urlopen(req, timeout=60) as resp:
            body = resp.read()
            return json.loads(body) if body else None

    def create_image(self, name, data, **fields):
        """An active image in Glance (POST /v2/images, PUT .../file)."""
        body = dict({'name': name, 'disk_format': 'raw', 'container_format': 'bare'}, **fields)
        image = self._call('POST', '/v2/images', json.dumps(body).encode())
        self._call('PUT', '/v2/images/%s/file' % image['id'], data,
                   'application/octet-stream')
        return self._call('GET', '/v2/images/%s' % image['id'])
