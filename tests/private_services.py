"""A RabbitMQ node and a PostgreSQL cluster of a test's own, which it may stop
and start at will (the shared ones are never stopped).

RabbitMQ: ``rabbitmq-server`` with its own node name, AMQP and distribution
ports, config, mnesia and log directories; ``rabbitmqctl -n`` talks to it.
PostgreSQL: ``initdb`` + ``pg_ctl`` on another port, run as the ``postgres``
user (PostgreSQL refuses root).
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid

from tests import services
from tests.cloud import free_port, wait_for

PG_BIN = '/usr/lib/postgresql/15/bin'


class PrivateRabbit:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='nl-rabbit-')
        self.name = 'nltest%s@localhost' % uuid.uuid4().hex[:8]
        self.port, dist = free_port(), free_port()
        conf = os.path.join(self.dir, 'rabbitmq')
        with open(conf + '.conf', 'w') as f:
            f.write('listeners.tcp.local = 127.0.0.1:%d\nloopback_users = none\n' % self.port)
        plugins = os.path.join(self.dir, 'enabled_plugins')
        with open(plugins, 'w') as f:
            f.write('[].\n')
        envfile = os.path.join(self.dir, 'rabbitmq-env.conf')
        open(envfile, 'w').close()
        if os.getuid() == 0:        # the rabbitmq scripts run the node as rabbitmq
            user = pwd.getpwnam('rabbitmq')
            for path in (self.dir, conf + '.conf', plugins, envfile):
                os.chown(path, user.pw_uid, user.pw_gid)
        self.env = dict(os.environ, RABBITMQ_NODENAME=self.name,
                        RABBITMQ_NODE_PORT=str(self.port), RABBITMQ_DIST_PORT=str(dist),
                        RABBITMQ_CONFIG_FILE=conf, RABBITMQ_CONF_ENV_FILE=envfile,
                        RABBITMQ_ENABLED_PLUGINS_FILE=plugins,
                        RABBITMQ_MNESIA_BASE=os.path.join(self.dir, 'mnesia'),
                        RABBITMQ_LOG_BASE=os.path.join(self.dir, 'log'),
                        RABBITMQ_PID_FILE=os.path.join(self.dir, 'rabbit.pid'),
                        ERL_EPMD_ADDRESS='127.0.0.1')
        self.proc = None
        self.url = 'rabbit://guest:guest@127.0.0.1:%d/' % self.port

    def _ctl(self, *args, timeout=60):
        return subprocess.run(['rabbitmqctl', '-q', '-n', self.name] + list(args),
                              env=self.env, capture_output=True, text=True, timeout=timeout)

    def start(self):
        if shutil.which('rabbitmq-server') is None:
            services.unavailable('rabbitmq-server (package rabbitmq-server)')
        log = open(os.path.join(self.dir, 'server.out'), 'ab')
        self.proc = subprocess.Popen(['rabbitmq-server'], env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        res = self._ctl('wait', '--timeout', '90', self.env['RABBITMQ_PID_FILE'], timeout=100)
        if res.returncode != 0:
            self.stop()
            services.unavailable('a private RabbitMQ node (%s)' % res.stderr.strip()[-500:])
        return self

    def stop(self):
        """Stop the node (its non-durable queues and their messages go)."""
        if self.proc is not None and self.proc.poll() is None:
            self._ctl('stop', timeout=60)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)
        self.proc = None

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='nl-pg-')
        self.data = os.path.join(self.dir, 'data')
        self.port = free_port()
        self.url = 'postgresql+psycopg://postgres@127.0.0.1:%d/postgres' % self.port
        self.user = pwd.getpwnam('postgres') if os.getuid() == 0 else None

    def _run(self, *cmd):
        if self.user is not None:
            cmd = ('runuser', '-u', 'postgres', '--') + cmd
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def start(self):
        if not os.path.exists(os.path.join(PG_BIN, 'initdb')):
            services.unavailable('PostgreSQL 15 server binaries (package postgresql-15)')
        if self.user is not None:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        if not os.path.exists(self.data):
            res = self._run(os.path.join(PG_BIN, 'initdb'), '-A', 'trust', '-U', 'postgres',
                            '-D', self.data)
            if res.returncode:
                services.unavailable('initdb (%s)' % res.stderr[-500:])
        res = self._run(os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-w', '-l',
                        os.path.join(self.dir, 'pg.log'), '-o',
                        '-p %d -k %s -h 127.0.0.1 -c max_connections=300'
                        % (self.port, self.dir), 'start')
        if res.returncode:
            services.unavailable('a private PostgreSQL (%s)' % res.stderr[-500:])
        return self

    def stop(self):
        self._run(os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-m', 'fast', '-w', 'stop')

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(action):
    """Run ``action`` and return how long it took, in seconds."""
    start = time.monotonic()
    action()
    return time.monotonic() - start


__all__ = ['PrivateRabbit', 'PrivatePostgres', 'timed', 'wait_for']
