"""A real Neutron (ML2/OVN) for functional tests.

* Open vSwitch 3.1 and OVN 23.03 from Debian (tools/setup-ovn.sh), started in a
  private directory on the userspace datapath (``datapath_type=netdev``: there
  is no openvswitch kernel module here), with the OVN databases on free
  loopback ports;
* neutron 29.0.0 from PyPI in its own venv (tools/setup-service-venv.sh
  neutron), served by uwsgi (its OVN driver counts API workers through uwsgi),
  on a MariaDB database of its own, behind a real Keystone.

``br-int`` is a host-wide device name, so only one OVN runs at a time: tests
that use it share the ``neutron`` xdist group.

In CI (``CI=true``) a part that cannot be installed or started fails the test;
elsewhere the test is skipped with the reason.
"""
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time

import urllib.error
import urllib.request

from tests import cloud as cloud_mod
from tests import services

OVS_CTL = '/usr/share/openvswitch/scripts/ovs-ctl'
OVN_CTL = '/usr/share/ovn/scripts/ovn-ctl'
CHASSIS = 'nl-chassis-%s' % socket.gethostname()

NEUTRON_CONF = """\
[DEFAULT]
core_plugin = ml2
service_plugins = ovn-router
auth_strategy = keystone
api_paste_config = %(t)s/api-paste.ini
state_path = %(t)s/state
log_file = %(t)s/neutron.log
debug = true
notify_nova_on_port_status_changes = %(notify)s
notify_nova_on_port_data_changes = %(notify)s
[database]
connection = %(db)s
[oslo_concurrency]
lock_path = %(t)s/state/lock
[keystone_authtoken]
www_authenticate_uri = %(ks)s
auth_url = %(ks)s
auth_type = password
username = admin
password = %(pw)s
project_name = admin
user_domain_name = Default
project_domain_name = Default
[nova]
auth_url = %(ks)s
auth_type = password
username = admin
password = %(pw)s
project_name = admin
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
endpoint_type = public
"""

ML2_CONF = """\
[ml2]
type_drivers = local,flat,geneve
tenant_network_types = geneve
mechanism_drivers = ovn
extension_drivers = port_security
overlay_ip_version = 4
[ml2_type_geneve]
vni_ranges = 1:65536
max_header_size = 38
[ml2_type_flat]
flat_networks = *
[ovn]
ovn_nb_connection = tcp:127.0.0.1:%(nb)d
ovn_sb_connection = tcp:127.0.0.1:%(sb)d
ovn_metadata_enabled = false
enable_distributed_floating_ip = false
"""


def _run(argv, env=None, what=None, timeout=120):
    res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                         env=dict(os.environ, **(env or {})))
    if res.returncode:
        services.unavailable('%s (%s: %s)' % (what or argv[0], ' '.join(argv),
                                              (res.stdout + res.stderr)[-1500:]))
    return res.stdout


class OVN:
    """Open vSwitch + OVN central + ovn-controller in a private directory."""

    def __init__(self, system_rundir=False):
        """``system_rundir``: Open vSwitch's sockets where libvirtd looks for
        them (/var/run/openvswitch), for guests libvirt plugs into br-int."""
        for tool in (OVS_CTL, OVN_CTL, '/usr/bin/ovn-nbctl'):
            if not os.path.exists(tool):
                services.unavailable('Open vSwitch/OVN (%s missing: run tools/setup-ovn.sh '
                                     'or `make test`, which does it)' % tool)
        # unix socket paths must stay short: a directory of its own under /tmp
        self.dir = tempfile.mkdtemp(prefix='nl-ovn-')
        self.nb_port, self.sb_port = cloud_mod.free_port(), cloud_mod.free_port()
        self.env = {}
        for kind in ('OVS', 'OVN'):
            for what in ('RUNDIR', 'DBDIR', 'LOGDIR', 'SYSCONFDIR'):
                path = os.path.join(self.dir, what.lower())
                os.makedirs(path, exist_ok=True)
                self.env['%s_%s' % (kind, what)] = path
        os.makedirs(os.path.join(self.env['OVS_SYSCONFDIR'], 'openvswitch'), exist_ok=True)
        if system_rundir:
            self.env['OVS_RUNDIR'] = '/var/run/openvswitch'
            os.makedirs(self.env['OVS_RUNDIR'], exist_ok=True)

    def vsctl(self, *args):
        return _run(['ovs-vsctl'] + list(args), self.env, 'ovs-vsctl')

    def nbctl(self, *args):
        return _run(['ovn-nbctl', '--db=tcp:127.0.0.1:%d' % self.nb_port] + list(args),
                    self.env, 'ovn-nbctl')

    def sbctl(self, *args):
        return _run(['ovn-sbctl', '--db=tcp:127.0.0.1:%d' % self.sb_port] + list(args),
                    self.env, 'ovn-sbctl')

    def start(self):
        try:
            _run([OVS_CTL, 'start', '--system-id=random'], self.env, 'Open vSwitch')
            _run([OVN_CTL, 'start_northd', '--db-nb-create-insecure-remote=yes',
                  '--db-sb-create-insecure-remote=yes', '--db-nb-addr=127.0.0.1',
                  '--db-sb-addr=127.0.0.1', '--db-nb-port=%d' % self.nb_port,
                  '--db-sb-port=%d' % self.sb_port], self.env, 'OVN northd')
            self.vsctl('set', 'open', '.',
                       'external_ids:ovn-remote=tcp:127.0.0.1:%d' % self.sb_port,
                       'external_ids:ovn-encap-type=geneve',
                       'external_ids:ovn-encap-ip=127.0.0.1',
                       'external_ids:ovn-bridge-datapath-type=netdev',
                       'external_ids:system-id=%s' % CHASSIS,
                       'external_ids:hostname=%s' % CHASSIS)
            _run([OVN_CTL, 'start_controller', '--ovn-manage-ovsdb=no'], self.env,
                 'ovn-controller')
            cloud_mod.wait_for(lambda: CHASSIS in self.sbctl('show'), timeout=60,
                               what='the chassis in the OVN southbound database')
            cloud_mod.wait_for(lambda: 'br-int' in self.vsctl('list-br'), timeout=60,
                               what='br-int')
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for argv in ([OVN_CTL, 'stop_controller'], [OVN_CTL, 'stop_northd'],
                     [OVS_CTL, 'stop']):
            subprocess.run(argv, capture_output=True, timeout=60,
                           env=dict(os.environ, **self.env))
        # the userspace datapath's devices outlive ovs-vswitchd
        for device in ('br-int', 'ovs-netdev'):
            subprocess.run(['ip', 'link', 'del', device], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    @contextlib.contextmanager
    def namespace_port(self, port_id, mac, name):
        """A veth whose inner end (in a network namespace ``name``, with the
        port's MAC) sits on br-int as the Neutron port ``port_id``."""
        outer, inner = (name + 'o')[:15], (name + 'i')[:15]
        cmds = [['ip', 'netns', 'add', name],
                ['ip', 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner],
                ['ip', 'link', 'set', inner, 'netns', name],
                ['ip', 'netns', 'exec', name, 'ip', 'link', 'set', inner, 'address', mac],
                ['ip', 'netns', 'exec', name, 'ip', 'link', 'set', inner, 'up'],
                ['ip', 'link', 'set', outer, 'up'],
                # the userspace datapath drops TCP with offloaded checksums
                ['ethtool', '-K', outer, 'tx', 'off'],
                ['ip', 'netns', 'exec', name, 'ethtool', '-K', inner, 'tx', 'off']]
        try:
            for argv in cmds:
                _run(argv, what='network namespace')
            self.vsctl('add-port', 'br-int', outer, '--', 'set', 'Interface', outer,
                       'external_ids:iface-id=%s' % port_id)
            yield inner
        finally:
            subprocess.run(['ovs-vsctl', '--if-exists', 'del-port', 'br-int', outer],
                           capture_output=True, env=dict(os.environ, **self.env))
            subprocess.run(['ip', 'link', 'del', outer], capture_output=True)
            subprocess.run(['ip', 'netns', 'del', name], capture_output=True)


class Neutron:
    """neutron-server (API under uwsgi) with ML2/OVN, behind ``keystone``."""

    def __init__(self, tmp, keystone, ovn, notify_nova=False):
        self.venv = services.service_venv('neutron')
        self.tmp, self.keystone, self.ovn = tmp, keystone, ovn
        self.notify = notify_nova
        self.port = cloud_mod.free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.proc = None
        self._drop_db = lambda: None

    def start(self):
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        db, self._drop_db = services.create_database('mysql', self.tmp)
        db = db.replace('mysql+pymysql://', 'mysql+pymysql://', 1)
        os.makedirs(self.tmp / 'state' / 'lock', exist_ok=True)
        shutil.copy(os.path.join(self.venv, 'etc', 'neutron', 'api-paste.ini'), self.tmp)
        from tests import keystone as ks_mod
        (self.tmp / 'neutron.conf').write_text(NEUTRON_CONF % {
            't': self.tmp, 'db': db, 'ks': self.keystone.url, 'pw': ks_mod.ADMIN_PASSWORD,
            'notify': 'true' if self.notify else 'false'})
        (self.tmp / 'ml2_conf.ini').write_text(ML2_CONF % {'nb': self.ovn.nb_port,
                                                          'sb': self.ovn.sb_port})
        conf_args = ['--config-file', str(self.tmp / 'neutron.conf'),
                     '--config-file', str(self.tmp / 'ml2_conf.ini')]
        _run([os.path.join(self.venv, 'bin', 'neutron-db-manage')] + conf_args
             + ['upgrade', 'heads'], what='Neutron (neutron-db-manage)', timeout=300)
        env = {'OS_NEUTRON_CONFIG_DIR': str(self.tmp),
               'OS_NEUTRON_CONFIG_FILES': 'neutron.conf;ml2_conf.ini'}
        wsgi = os.path.join(self.venv, 'lib', 'python3.11', 'site-packages', 'neutron',
                            'wsgi', 'api.py')
        self.log = self.tmp / 'neutron-uwsgi.log'
        with open(self.log, 'wb') as log:
            self.proc = subprocess.Popen(
                [os.path.join(self.venv, 'bin', 'uwsgi'), '--http-socket',
                 '127.0.0.1:%d' % self.port, '--wsgi-file', wsgi, '--processes', '1',
                 '--threads', '4', '--master', '--enable-threads', '--die-on-term',
                 '--lazy-apps',
                 # uwsgi's http-socket closes idle keep-alive connections that
                 # clients then reuse ("connection reset"): say so up front
                 '--add-header', 'Connection: close'],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=dict(os.environ, **env), cwd=str(self.tmp), start_new_session=True)
        deadline = time.monotonic() + 120
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                services.unavailable('Neutron (no answer on %s; log: %s)'
                                     % (self.url, self.log.read_text(errors='replace')[-2000:]))
            time.sleep(0.2)
        self.keystone.register_service('network', 'neutron', self.url)
        return self

    def _answers(self):
        try:
            with urllib.request.urlopen(self.url + '/', timeout=5):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def stop(self):
        services.stop_process_group(self.proc)
        self.proc = None
        self._drop_db()
        self._drop_db = lambda: None
