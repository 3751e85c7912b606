"""A real Keystone for functional tests: keystone from PyPI in its own venv
(tools/setup-service-venv.sh keystone), SQLite, fernet tokens, served by gunicorn on a
free port and bootstrapped fresh in the test's tmp dir (environment.md, 5).

In CI (``CI=true``) a Keystone that cannot be installed or started fails the
test; elsewhere the test is skipped with the reason.
"""
import os
import subprocess

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from tests import cloud as cloud_mod
from tests import services

ADMIN_PASSWORD = 'adminpw'

WSGI_WRAPPER = """\
import sys
sys.argv = sys.argv[:1]   # keystone parses sys.argv with oslo.config
from keystone.wsgi.api import application  # noqa: E402,F401
"""


class Keystone:
    def __init__(self, tmp):
        self.venv = services.service_venv('keystone')
        self.tmp = tmp
        self.port = cloud_mod.free_port()
        self.url = 'http://127.0.0.1:%d/v3' % self.port
        self.proc = None
        self.conf = tmp / 'keystone.conf'
        self.conf.write_text(
            '[database]\nconnection = sqlite:///%(t)s/keystone.db\n'
            '[token]\nprovider = fernet\n'
            # bcrypt's minimum cost: every CLI call checks a password, and the
            # default (12) takes seconds each on a loaded test machine
            '[identity]\npassword_hash_rounds = 4\n'
            '[fernet_tokens]\nkey_repository = %(t)s/fernet-keys\n'
            '[fernet_receipts]\nkey_repository = %(t)s/fernet-keys\n'
            '[credential]\nkey_repository = %(t)s/credential-keys\n' % {'t': tmp})

    def _manage(self, *args):
        res = subprocess.run([os.path.join(self.venv, 'bin', 'keystone-manage'), '--config-file',
                              str(self.conf)] + list(args),
                             capture_output=True, text=True, timeout=120)
        if res.returncode:
            services.unavailable('Keystone (keystone-manage %s: %s)'
                                 % (args[0], (res.stdout + res.stderr)[-2000:]))

    def start(self):
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        self._manage('db_sync')
        for what in ('fernet_setup', 'credential_setup'):
            self._manage(what, '--keystone-user', 'root', '--keystone-group', 'root')
        self._manage('bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
                     '--bootstrap-admin-url', self.url, '--bootstrap-internal-url', self.url,
                     '--bootstrap-public-url', self.url, '--bootstrap-region-id', 'RegionOne')
        (self.tmp / 'ks_wsgi.py').write_text(WSGI_WRAPPER)
        self.log = self.tmp / 'keystone.log'
        self.proc = services.start_gunicorn(
            self.venv, 'ks_wsgi:application', self.port, self.tmp,
            {'OS_KEYSTONE_CONFIG_DIR': str(self.tmp), 'OS_KEYSTONE_CONFIG_FILES': 'keystone.conf'},
            self.log, 'Keystone', workers=2)
        self.admin = self.session('admin', ADMIN_PASSWORD, 'admin')
        return self

    def stop(self):
        services.stop_process_group(self.proc)

    # -- identity API ------------------------------------------------------------
    def session(self, username, password, project_name):
        auth = v3.Password(auth_url=self.url, username=username, password=password,
                           project_name=project_name, user_domain_id='default',
                           project_domain_id='default')
        return ks_session.Session(auth=auth)

    def _post(self, path, body):
        return self.admin.post(self.url + path, json=body).json()

    def _role_id(self, name):
        roles = self.admin.get(self.url + '/roles', params={'name': name}).json()['roles']
        return roles[0]['id']

    def create_project(self, name):
        return self._post('/projects', {'project': {'name': name,
                                                    'domain_id': 'default'}})['project']['id']

    def create_user(self, name, password, project_id, role='member'):
        user = self._post('/users', {'user': {'name': name, 'password': password,
                                              'domain_id': 'default'}})['user']
        self.admin.put(self.url + '/projects/%s/users/%s/roles/%s'
                       % (project_id, user['id'], self._role_id(role)))
        return user['id']

    def register_compute(self, url):
        """A ``compute`` service with public/internal endpoints at ``url``."""
        self.register_service('compute', 'nova', url)

    def register_service(self, service_type, name, url):
        """A service of ``service_type`` with public/internal endpoints at ``url``."""
        service = self._post('/services', {'service': {'type': service_type,
                                                       'name': name}})['service']
        for interface in ('public', 'internal'):
            self._post('/endpoints', {'endpoint': {'service_id': service['id'],
                                                   'interface': interface, 'url': url,
                                                   'region_id': 'RegionOne'}})

    def authtoken_conf(self):
        """novalite.conf sections for auth_strategy = keystone."""
        return ('\n[api]\nauth_strategy = keystone\n'
                '[keystone_authtoken]\nwww_authenticate_uri = %(url)s\n'
                'auth_url = %(url)s\nauth_type = password\nusername = admin\n'
                'password = %(pw)s\nproject_name = admin\nuser_domain_name = Default\n'
                'project_domain_name = Default\n' % {'url': self.url, 'pw': ADMIN_PASSWORD})
