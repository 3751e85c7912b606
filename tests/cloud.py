"""A novalite cloud for functional tests: the four daemons as separate
processes on the real RabbitMQ and a real database, driven over HTTP."""
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import sqlalchemy as sa

from tests import services

BIN = os.path.dirname(sys.executable)
PROJECT = uuid.uuid4().hex
ADMIN_TOKEN = 'admin:%s' % PROJECT
USER_TOKEN = 'demo:%s' % PROJECT


def wait_for(predicate, timeout=30.0, interval=0.05, what='condition'):
    """Poll ``predicate`` until it returns something truthy, or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %.0f s waiting for %s' % (timeout, what))
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def private_cloud(tmp_path, **kwargs):
    """A Cloud (not started) on a fresh PostgreSQL database and a RabbitMQ
    vhost of its own; on exit the daemons stop and both are removed."""
    with contextlib.ExitStack() as cleanup:
        url, drop = services.create_database('postgresql', tmp_path)
        cleanup.callback(drop)
        rabbit, delete = services.create_vhost()
        cleanup.callback(delete)
        cloud = Cloud(tmp_path, url, rabbit, **kwargs)
        cleanup.callback(cloud.stop)
        yield cloud


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.raw = status, headers, body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None


class Cloud:
    def __init__(self, tmp_path, db_url, transport_url, computes=('compute1',),
                 compute_conf=None, extra_conf='', conductors=1, schedulers=1):
        self.tmp = tmp_path
        self.db_url, self.transport_url = db_url, transport_url
        self.port = free_port()
        self.base = 'http://127.0.0.1:%d' % self.port
        self.procs = []
        self.binaries = {}
        self.logs = {}
        self.state = tmp_path / 'state'
        self.state.mkdir(exist_ok=True)
        common = ('[DEFAULT]\ntransport_url = %s\nstate_path = %s\nreport_interval = 1\n'
                  'service_down_time = 6\nosapi_compute_listen_port = %d\n'
                  'debug = true\n'
                  '[notifications]\nnotification_format = both\n'
                  '[DEFAULT]\n%s\n'
                  '[oslo_messaging_notifications]\ndriver = messagingv2\n'
                  % (transport_url, self.state, self.port, extra_conf))
        self.conf = tmp_path / 'novalite.conf'
        self.conf.write_text(common + '[database]\nconnection = %s\n' % db_url)
        # conductor, conductor2, ...: each its own host (service row, queue)
        self.controllers = {}
        for binary, count in (('conductor', conductors), ('scheduler', schedulers)):
            for i in range(1, count + 1):
                name = binary if i == 1 else '%s%d' % (binary, i)
                path = self.conf
                if i > 1:
                    path = tmp_path / ('%s.conf' % name)
                    path.write_text(self.conf.read_text().replace(
                        '[DEFAULT]\n', '[DEFAULT]\nhost = %s\n' % name, 1))
                self.controllers[name] = ('novalite-%s' % binary, path)
        # compute hosts get no database credentials at all
        self.compute_confs = {}
        for host in computes:
            path = tmp_path / ('%s.conf' % host)
            extra = (compute_conf or {}).get(host, '')
            path.write_text(common.replace('[DEFAULT]\n', '[DEFAULT]\nhost = %s\n' % host, 1)
                            + '\n[fake_driver]\nvcpus = 8\nmemory_mb = 16384\nlocal_gb = 100\n'
                            + extra
                            # where enrol() puts them, whatever state_path ``extra`` sets
                            + '\n[rpc_auth]\nkey_file = %s\ntrusted_keys_file = %s\n'
                            % (self.state / 'keys' / ('novalite-compute.%s.key' % host),
                               self.state / 'keys' / 'trusted_keys.json'))
            self.compute_confs[host] = path
        self.engine = sa.create_engine(db_url)

    # -- processes ------------------------------------------------------------
    def _spawn(self, name, binary, conf):
        log = open(self.tmp / ('%s.log' % name), 'ab')
        proc = subprocess.Popen([os.path.join(BIN, binary), '--config-file', str(conf)],
                                stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs = [(n, p) for n, p in self.procs if n != name or p.poll() is None]
        self.procs.append((name, proc))
        self.binaries[name] = (binary, conf)
        self.logs[name] = self.tmp / ('%s.log' % name)
        return proc

    def manage(self, *args):
        """Run novalite-manage; return its last output line."""
        out = self.manage_output(*args)
        return out.splitlines()[-1] if out else ''

    def manage_output(self, *args):
        res = subprocess.run([os.path.join(BIN, 'novalite-manage'), '--config-file',
                              str(self.conf)] + list(args), capture_output=True, text=True,
                             timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr
        return res.stdout.strip()

    def start(self):
        try:
            return self._start()
        except BaseException:
            self.stop()        # never leave daemons behind a failed start
            raise

    def enrol(self):
        """Every service gets its key (novalite-manage service enrol); the
        computes get the control plane's public keys."""
        pairs = []
        for binary in ('novalite-conductor', 'novalite-scheduler', 'novalite-api'):
            pairs += [binary, socket.gethostname()]
        for name, (binary, _conf) in self.controllers.items():
            if name[-1].isdigit():          # conductor2, scheduler2: own host
                pairs += [binary, name]
        for host in self.compute_confs:
            pairs += ['novalite-compute', host]
        self.manage('service', 'enrol', *pairs)
        self.manage('service', 'trusted-keys')

    def _start(self):
        self.manage('db', 'sync')
        self.enrol()
        for name, (binary, conf) in self.controllers.items():
            self._spawn(name, binary, conf)
        col = self.engine.dialect.identifier_preparer.quote('binary')  # reserved in MySQL
        for binary in ('novalite-conductor', 'novalite-scheduler'):
            count = sum(1 for b, _c in self.controllers.values() if b == binary)
            wait_for(lambda: self.query('SELECT count(*) FROM services WHERE %s = :b' % col,
                                        b=binary)[0][0] >= count, 60, what=binary)
        for host, conf in self.compute_confs.items():
            self._spawn(host, 'novalite-compute', conf)
        self._spawn('api', 'novalite-api', self.conf)
        wait_for(self._api_up, 60, what='novalite-api')
        for host in self.compute_confs:
            self.wait_compute_up(host)
        return self

    def wait_compute_up(self, host):
        wait_for(lambda: self.query('SELECT count(*) FROM compute_nodes WHERE host = :h',
                                    h=host)[0][0], 60, what='compute %s' % host)

    def _api_up(self):
        try:
            return self.request('GET', '/').status == 200
        except OSError:
            return False

    def stop_process(self, name, sig=signal.SIGTERM):
        for n, p in self.procs:
            if n == name and p.poll() is None:
                os.killpg(p.pid, sig)
                p.wait(30)

    def restart_process(self, name, wait=True):
        """Start a stopped daemon again with its own binary and config; with
        ``wait``, return once it consumes and has reported (it logs "started
        on host" after its first heartbeat)."""
        binary, conf = self.binaries[name]
        started = self.log_text(name).count('started on host')
        proc = self._spawn(name, binary, conf)
        if wait:
            wait_for(lambda: proc.poll() is not None or
                     self.log_text(name).count('started on host') > started,
                     60, interval=0.1, what='%s started again' % name)
            assert proc.poll() is None, '%s exited at start' % name
        return proc

    def stop(self):
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        self.engine.dispose()

    def log_text(self, name):
        return self.logs[name].read_text(errors='replace')

    # -- HTTP ------------------------------------------------------------------
    def request(self, method, path, body=None, token=ADMIN_TOKEN, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode()
                                            if body is not None else None)
        hdrs = {'Content-Type': 'application/json'}
        if token:
            hdrs['X-Auth-Token'] = token
        hdrs.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return Response(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def servers_path(self, suffix=''):
        return '/v2.1/%s/servers%s' % (PROJECT, suffix)

    def boot(self, name='vm1', flavor='1', image=None, **extra):
        server = {'name': name, 'imageRef': image or self.image_id, 'flavorRef': flavor,
                  'networks': 'none'}
        server.update(extra)
        return self.request('POST', self.servers_path(), {'server': server})

    def get_server(self, server_id, token=ADMIN_TOKEN):
        return self.request('GET', self.servers_path('/' + server_id), token=token)

    def wait_status(self, server_id, statuses=('ACTIVE', 'ERROR'), timeout=30):
        def check():
            r = self.get_server(server_id)
            return r.json['server'] if r.status == 200 and \
                r.json['server']['status'] in statuses else None
        return wait_for(check, timeout, what='server %s in %s' % (server_id, statuses))

    def wait_gone(self, server_id, timeout=30):
        wait_for(lambda: self.get_server(server_id).status == 404, timeout,
                 what='server %s deleted' % server_id)

    # -- networks (the embedded Neutron at /network) ---------------------------------
    def neutron(self, method, path, body=None, token=ADMIN_TOKEN):
        return self.request(method, '/network/v2.0' + path, body, token=token)

    def create_network(self, name, cidr, shared=False, token=ADMIN_TOKEN):
        """A network with one IPv4 subnet; returns the network's id."""
        r = self.neutron('POST', '/networks', {'network': {'name': name, 'shared': shared}},
                         token=token)
        assert r.status == 201, r.raw
        net_id = r.json['network']['id']
        r = self.neutron('POST', '/subnets', {'subnet': {
            'network_id': net_id, 'cidr': cidr, 'ip_version': 4, 'name': name + '-subnet'}},
            token=token)
        assert r.status == 201, r.raw
        return net_id

    def seed_network(self):
        """The shared network "networks": "auto" picks (Nova: the one network
        visible to the project)."""
        self.network_id = self.create_network('shared-net', '10.20.0.0/24', shared=True)
        return self

    # -- SQL -----------------------------------------------------------------------
    def query(self, sql, **params):
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]

    def row_counts(self):
        tables = ('instances', 'instance_metadata', 'instance_faults', 'instance_actions',
                  'instance_actions_events')
        return {t: self.query('SELECT count(*) FROM %s' % t)[0][0] for t in tables}

    def node_usage(self, host):
        return self.query('SELECT vcpus_used, memory_mb_used, local_gb_used, running_vms '
                          'FROM compute_nodes WHERE host = :h', h=host)[0]

    # -- catalog ---------------------------------------------------------------
    def seed_catalog(self):
        self.manage('flavor', 'create', '--id', '1', '--ram', '512', '--vcpus', '1',
                    '--disk', '1', 'm1.tiny')
        self.manage('flavor', 'create', '--id', '2', '--ram', '4096', '--vcpus', '2',
                    '--disk', '10', 'm1.medium')
        self.manage('flavor', 'create', '--id', 'huge', '--ram', '20000', '--vcpus', '2',
                    '--disk', '10', 'huge')
        img = self.tmp / 'image.raw'
        img.write_bytes(b'\0' * 65536)
        self.image_id = self.manage('image', 'import', '--property', 'os_distro=test',
                                    'test-image', str(img))
        return self
