"""Debian containers with systemd as PID 1 (systemd-nspawn), for tests of the
systemd units, the install step and the devstack plugin.

The root file system is an overlay over the cached tree that
tools/setup-systemd-container.sh prepares (Debian 12 + /opt/novalite venv
with requirements.txt), so each container starts from a clean copy in well
under a second.  The host's PID 1 is not systemd, so nspawn runs with
--keep-unit inside a cgroup subtree of its own; the network is the host's
(the host's RabbitMQ and databases answer on 127.0.0.1).
"""
import os
import shutil
import signal
import subprocess
import time
import uuid

from tests.cloud import wait_for
from tests import services

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get('NOVALITE_CONTAINER_CACHE', '/var/cache/novalite')
CGROUP = '/sys/fs/cgroup'
VENV = '/opt/novalite'


def prepared_tree():
    """The cached root file system (built on first use: about 2 minutes)."""
    if os.geteuid() != 0:
        services.unavailable('root (systemd-nspawn containers)')
    if not shutil.which('systemd-nspawn') and not services.IN_CI:
        services.unavailable('systemd-nspawn (apt-get install systemd-container)')
    res = subprocess.run([os.path.join(ROOT, 'tools', 'setup-systemd-container.sh'), CACHE],
                         capture_output=True, text=True, timeout=900)
    if res.returncode:
        services.unavailable('a systemd container tree (%s)' % (res.stdout + res.stderr)[-1500:])
    return res.stdout.strip().splitlines()[-1]


def _cgroup_dirs(name):
    return [os.path.join(CGROUP, h, name) for h in ('systemd', 'unified')
            if os.path.isdir(os.path.join(CGROUP, h))] or [os.path.join(CGROUP, name)]


def _rmtree_cgroup(path):
    if not os.path.isdir(path):
        return
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            _rmtree_cgroup(entry.path)
    try:
        os.rmdir(path)
    except OSError:
        pass


class Container:
    def __init__(self, tree, tmp_path, name, binds=(), rw_binds=()):
        self.name = 'nl-%s-%s' % (name, uuid.uuid4().hex[:6])
        self.dir = tmp_path / name
        self.upper, self.work, self.root = (self.dir / 'upper', self.dir / 'work',
                                            self.dir / 'root')
        for d in (self.upper, self.work, self.root):
            d.mkdir(parents=True)
        self.tree, self.binds, self.rw_binds = tree, list(binds), list(rw_binds)
        self.proc = self.leader = None
        self.cgroups = _cgroup_dirs(self.name)

    def boot(self):
        subprocess.run(['mount', '-t', 'overlay', 'overlay', '-o',
                        'lowerdir=%s,upperdir=%s,workdir=%s' % (self.tree, self.upper,
                                                                self.work),
                        str(self.root)], check=True)
        (self.root / 'etc' / 'hostname').write_text(self.name + '\n')
        for cg in self.cgroups:
            os.makedirs(cg, exist_ok=True)
        cmd = ['systemd-nspawn', '-q', '-b', '-D', str(self.root), '--register=no',
               '--keep-unit', '--console=read-only', '--machine', self.name]
        for src, dst in self.binds:
            cmd.append('--bind-ro=%s:%s' % (src, dst))
        for src, dst in self.rw_binds:
            cmd.append('--bind=%s:%s' % (src, dst))
        cgroups = self.cgroups

        def _enter_cgroup():
            for cg in cgroups:
                with open(os.path.join(cg, 'cgroup.procs'), 'w') as f:
                    f.write(str(os.getpid()))
        self.log = open(self.dir / 'console.log', 'wb')
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=_enter_cgroup)
        self.leader = wait_for(self._find_leader, 30, what='%s PID 1' % self.name)
        wait_for(lambda: self.run('systemctl', 'is-system-running', check=False).stdout.strip()
                 in ('running', 'degraded'), 60, interval=0.1,
                 what='%s boots to running' % self.name)
        return self

    def _find_leader(self):
        if self.proc.poll() is not None:
            raise AssertionError('nspawn exited: %s' % (self.dir / 'console.log').read_text())
        todo = [self.proc.pid]
        while todo:
            pid = todo.pop()
            try:
                with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
                    kids = [int(p) for p in f.read().split()]
                with open('/proc/%d/status' % pid) as f:
                    nspid = [ln for ln in f if ln.startswith('NSpid:')][0].split()
            except OSError:
                continue
            if pid != self.proc.pid and nspid[-1] == '1' and len(nspid) > 2:
                return pid
            todo += kids
        return None

    def run(self, *cmd, check=True, timeout=120, user=None):
        if user:
            cmd = ('setpriv', '--reuid=%s' % user, '--regid=%s' % user, '--init-groups') + cmd
        res = subprocess.run(['nsenter', '-t', str(self.leader), '-a'] + list(cmd),
                             capture_output=True, text=True, timeout=timeout,
                             env={'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8'})
        if check and res.returncode:
            raise AssertionError('%s in %s: rc %d\n%s%s' % (' '.join(cmd), self.name,
                                                            res.returncode, res.stdout,
                                                            res.stderr))
        return res

    def systemctl(self, *args, check=True):
        return self.run('systemctl', *args, check=check)

    def show(self, unit, prop):
        return self.systemctl('show', '-p', prop, '--value', unit).stdout.strip()

    def journal(self, unit):
        return self.run('journalctl', '-q', '--no-pager', '-o', 'cat', '-u', unit,
                        check=False).stdout

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)     # nspawn: clean poweroff of the guest
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc is not None:
            self.log.close()
        deadline = time.monotonic() + 10
        while os.path.ismount(self.root) and time.monotonic() < deadline:
            if subprocess.run(['umount', str(self.root)]).returncode:
                time.sleep(0.2)
        for cg in self.cgroups:
            _rmtree_cgroup(cg)
