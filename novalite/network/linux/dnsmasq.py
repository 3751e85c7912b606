"""One dnsmasq per network per host: DHCP for the ports bound here only.

State lives in ``<state_path>/networks/<network id>/``: ``host`` (the
``--dhcp-hostsfile``: one ``MAC,IP`` line per port), ``opts`` (the
``--dhcp-optsfile``: router, DNS, MTU per subnet), ``leases`` and ``pid``.
Every subnet is a ``static`` range and ``--dhcp-ignore=tag:!known`` keeps
dnsmasq silent to any client that is not in the hosts file, so it can sit
on an operator's shared LAN.  DNS is off (``--port=0``); the subnet's DNS
servers are handed out instead.  Host or option changes are a rewrite and a
SIGHUP; the lease of a port that leaves is released with ``dhcp_release``
(package dnsmasq-utils), as Neutron's DHCP agent does.  dnsmasq drops root
after it starts and re-reads its files as its own user, so every directory
above them must be searchable by others (``check_reachable``).
"""
import ipaddress
import logging
import os
import shutil
import signal
import subprocess
import time

from novalite.network import model

LOG = logging.getLogger(__name__)

DNSMASQ = 'dnsmasq'
DHCP_RELEASE = 'dhcp_release'
STOP_TIMEOUT = 5.0


class DnsmasqError(Exception):
    pass


def _cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return [a.decode() for a in f.read().split(b'\0') if a]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []


def running(state_root):
    """{pid: network dir} of every dnsmasq started for ``state_root``
    (found through /proc, so a process whose pid file is gone counts too)."""
    prefix = '--pid-file=' + os.path.join(state_root, '')
    found = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        argv = _cmdline(int(entry))
        if not argv or os.path.basename(argv[0]) != DNSMASQ:
            continue
        for arg in argv:
            if arg.startswith(prefix):
                found[int(entry)] = os.path.dirname(arg[len('--pid-file='):])
    return found


def kill(pid, timeout=STOP_TIMEOUT):
    """SIGTERM, then SIGKILL after ``timeout``; waits until it is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _cmdline(pid):
        if time.monotonic() > deadline:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                return
            deadline = float('inf')
        time.sleep(0.02)


def check_reachable(path):
    """The first directory above ``path`` that others cannot search (so
    dnsmasq, once it dropped root, could not re-read its hosts file), or
    None when all can be."""
    path = os.path.abspath(path)
    while path != '/':
        if os.path.exists(path) and not os.stat(path).st_mode & 0o001:
            return path
        path = os.path.dirname(path)
    return None


class Dnsmasq:
    """The DHCP server of one network on this host."""

    def __init__(self, state_root, network_id, lease_seconds=86400):
        self.network_id = network_id
        self.dir = os.path.join(state_root, network_id)
        self.lease_seconds = lease_seconds

    def _path(self, name):
        return os.path.join(self.dir, name)

    # -- files ------------------------------------------------------------------
    @staticmethod
    def _tag(index):
        return 'subnet%d' % index

    def _write(self, name, lines):
        tmp = self._path(name + '.tmp')
        with open(tmp, 'w') as f:
            f.write(''.join(line + '\n' for line in lines))
        os.chmod(tmp, 0o644)     # dnsmasq re-reads them after dropping root
        os.replace(tmp, self._path(name))

    def write_hosts(self, entries):
        """``entries``: [(mac, ip)] of the ports bound to this host."""
        self._write('host', ['%s,%s' % (mac, ip) for mac, ip in sorted(entries)])

    def hosts(self):
        try:
            with open(self._path('host')) as f:
                return {tuple(line.strip().split(',')[:2]) for line in f if line.strip()}
        except FileNotFoundError:
            return set()

    def write_opts(self, subnets, mtu=None):
        lines = []
        for i, subnet in enumerate(subnets):
            tag = 'tag:' + self._tag(i)
            # no gateway: an empty router option stops dnsmasq offering itself
            lines.append('%s,option:router%s' % (
                tag, ',' + model.gateway(subnet) if model.gateway(subnet) else ''))
            dns = [d['address'] for d in subnet.get('dns') or []]
            if dns:
                lines.append('%s,option:dns-server,%s' % (tag, ','.join(dns)))
        if mtu:
            lines.append('option:mtu,%d' % int(mtu))
        self._write('opts', lines)

    def leases(self):
        """{(mac, ip)} of the leases dnsmasq has handed out."""
        try:
            with open(self._path('leases')) as f:
                return {(w[1], w[2]) for w in (line.split() for line in f) if len(w) >= 3}
        except FileNotFoundError:
            return set()

    # -- process ----------------------------------------------------------------
    def argv(self, bridge, subnets):
        argv = [DNSMASQ, '--no-hosts', '--no-resolv', '--port=0',
                '--conf-file=/dev/null',
                '--pid-file=%s' % self._path('pid'),
                '--dhcp-hostsfile=%s' % self._path('host'),
                '--dhcp-optsfile=%s' % self._path('opts'),
                '--dhcp-leasefile=%s' % self._path('leases'),
                '--bind-interfaces', '--interface=%s' % bridge,
                '--except-interface=lo',
                '--dhcp-ignore=tag:!known',
                '--dhcp-authoritative',
                '--dhcp-lease-max=%d' % 65536]
        for i, subnet in enumerate(subnets):
            net = ipaddress.ip_network(subnet['cidr'])
            argv.append('--dhcp-range=set:%s,%s,static,%s,%ds' % (
                self._tag(i), net.network_address, net.netmask, self.lease_seconds))
        return argv

    def pid(self):
        """The pid of this network's dnsmasq when it runs, else None."""
        try:
            with open(self._path('pid')) as f:
                pid = int(f.read().strip() or 0)
        except (FileNotFoundError, ValueError):
            return None
        argv = _cmdline(pid) if pid else []
        return pid if '--pid-file=%s' % self._path('pid') in argv else None

    def ensure(self, bridge, subnets, entries, mtu=None):
        """Write the files and make dnsmasq serve them: start it, restart it
        when its command line changed (new subnet), else SIGHUP it."""
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        released = self.hosts() - set(entries)
        self.write_hosts(entries)
        self.write_opts(subnets, mtu)
        argv = self.argv(bridge, subnets)
        pid = self.pid()
        if pid is not None and _cmdline(pid) != argv:
            kill(pid)
            pid = None
        if pid is None:
            self._start(argv)
        else:
            os.kill(pid, signal.SIGHUP)
        self.release(bridge, released)

    def _start(self, argv):
        if shutil.which(DNSMASQ) is None:
            raise DnsmasqError('dnsmasq is not installed (Debian package dnsmasq-base)')
        # dnsmasq forks into the background once its sockets are bound
        proc = subprocess.run(argv, capture_output=True, text=True)
        if proc.returncode:
            raise DnsmasqError('dnsmasq for network %s failed: %s'
                               % (self.network_id, proc.stderr.strip()))
        LOG.info('Started dnsmasq for network %s (pid %s)', self.network_id, self.pid())

    def release(self, bridge, entries):
        """Drop the leases of ``entries`` [(mac, ip)] that dnsmasq holds."""
        held = self.leases()
        for mac, ip in entries:
            if (mac, ip) not in held:
                continue
            proc = subprocess.run([DHCP_RELEASE, bridge, ip, mac],
                                  capture_output=True, text=True)
            if proc.returncode:
                LOG.warning('dhcp_release %s %s on %s failed: %s', ip, mac,
                            bridge, proc.stderr.strip())

    def stop(self):
        """Stop dnsmasq and forget the network's state."""
        pid = self.pid()
        if pid is not None:
            kill(pid)
        shutil.rmtree(self.dir, ignore_errors=True)
