"""Servers on real networks, the whole path: novalite-api (with the embedded
network service at /network) → conductor → scheduler → compute running the
libvirt driver (TCG) and the host networking of novalite/network/linux.

The guest is the busybox initramfs of tools/build-test-guest.sh: its udhcpc
prints the lease it got on the serial console, read back through
os-getConsoleOutput.  The host pings the guest through the network's bridge.
One cloud serves the module; three TCG guests in all.
"""
import os
import re
import shutil
import signal
import subprocess
import time
import uuid

import pytest

from novalite import conf as nl_conf  # noqa: F401 - registers the options
from novalite.network.linux import bridge, dnsmasq, host, icmp
from tests.cloud import private_cloud, wait_for
from tests.functional import libvirt_env, net_env
from tests.functional.test_networks import TENANT, USER_TOKEN, _legacy_create, osc  # noqa: F401

pytestmark = [pytest.mark.xdist_group('test_libvirt_whole_path'), pytest.mark.timeout(600)]

COMPUTE = 'netcompute'
LEASE_SECONDS = 120         # [network] dhcp_lease_duration's minimum: renewal at 60 s
LEASE = re.compile(r'NOVALITE-GUEST-IP (\S+)/(\d+) router=(\S+) dns=(\S+) mtu=(\S+)')
BOOT_TIMEOUT = 240          # TCG boots on a loaded 2-core machine


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    kernel, initrd = libvirt_env.test_guest_files()
    net_env.require_host_networking()
    # QEMU and dnsmasq (both without root) reach their files: a searchable tree
    top = libvirt_env.searchable_tmpdir('novalite-netpath-')
    instances = os.path.join(top, 'instances')
    state = os.path.join(top, 'state')
    networks_root = os.path.join(state, 'networks')
    tmp = tmp_path_factory.mktemp('netcloud')
    # the compute's own state_path; images still come from the cloud's store
    prefix = 'nlnet' + uuid.uuid4().hex[:6]
    conf = (libvirt_env.compute_conf(instances, 'state_path = %s\n' % state, prefix)
            + '\n[image]\nstore_path = %s\n' % (tmp / 'state' / 'images')
            + '[network]\ndhcp_lease_duration = %d\n' % LEASE_SECONDS)
    try:
        with private_cloud(tmp, computes=(COMPUTE,), compute_conf={COMPUTE: conf}) as c:
            c.networks_root = networks_root
            c.start()
            c.manage('flavor', 'create', '--id', '8', '--ram', '128', '--vcpus', '1',
                     '--disk', '1', 'm1.ref')
            c.image_id = libvirt_env.import_guest(c, kernel, initrd)
            yield c
    finally:        # whatever a failure left: guests, then their networks
        libvirt_env.destroy_domains(prefix)
        host.HostNetwork(networks_root).reconcile([])
        shutil.rmtree(top, ignore_errors=True)


def _tenant_network(c, name):
    cidr = net_env.free_subnet()
    return c.create_network(name, str(cidr), token=USER_TOKEN), cidr


def _console(c, sid):
    r = c.request('POST', '/v2.1/%s/servers/%s/action' % (TENANT, sid),
                  {'os-getConsoleOutput': {}}, token=USER_TOKEN)
    assert r.status == 200, r.raw
    return r.json['output']


def _lease(c, sid):
    """(address, prefix, router, dns, mtu) the guest printed from its lease."""
    found = wait_for(lambda: LEASE.search(_console(c, sid)), BOOT_TIMEOUT, interval=0.5,
                     what='the DHCP lease line of %s' % sid)
    return found.groups()


def _server(c, sid):
    r = c.request('GET', '/v2.1/%s/servers/%s' % (TENANT, sid), token=USER_TOKEN)
    assert r.status == 200, r.raw
    return r.json['server']


def _wait_active(c, sid):
    server = wait_for(lambda: _server(c, sid)['status'] in ('ACTIVE', 'ERROR')
                      and _server(c, sid), BOOT_TIMEOUT, what='server %s ACTIVE' % sid)
    assert server['status'] == 'ACTIVE', server.get('fault')
    return server


def _delete(c, sid):
    assert c.request('DELETE', '/v2.1/%s/servers/%s' % (TENANT, sid),
                     token=USER_TOKEN).status == 204
    wait_for(lambda: c.request('GET', '/v2.1/%s/servers/%s' % (TENANT, sid),
                               token=USER_TOKEN).status == 404, 90, what='%s deleted' % sid)


def _lease_expiry(c, net_id, mac):
    """The expiry (epoch seconds) dnsmasq's lease file holds for ``mac``."""
    with open(os.path.join(c.networks_root, net_id, 'leases')) as f:
        [expiry] = [int(w[0]) for w in (line.split() for line in f) if w[1:2] == [mac]]
    return expiry


def _bind_seconds(c, sid):
    [(start, finish)] = c.query(
        "SELECT e.start_time, e.finish_time FROM instance_actions_events e JOIN "
        "instance_actions a ON a.id = e.action_id WHERE a.instance_uuid = :u "
        "AND e.event = 'compute_allocate_network'", u=sid)
    return (finish - start).total_seconds()


def test_reference_request_guest_leases_the_port_address(cloud, osc):  # noqa: F811
    c = cloud
    net_id, cidr = _tenant_network(c, 'wp-net')
    assert c.request('POST', '/v2.1/%s/os-keypairs' % TENANT,
                     {'keypair': {'name': 'keyName'}}, token=USER_TOKEN).status == 200
    port = osc('port', 'create', '--network', 'wp-net', '-f', 'json', 'wp-port')
    address = port['fixed_ips'][0]['ip_address']

    t0 = time.monotonic()
    r = _legacy_create(c, {
        'name': 'wp', 'imageRef': c.image_id, 'flavorRef': '8', 'key_name': 'keyName',
        'availability_zone': 'nova', 'min_count': 1, 'max_count': 1,
        'networks': [{'port': port['id']}]})
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    server = _wait_active(c, sid)
    t_active = time.monotonic() - t0
    assert server['addresses'] == {'wp-net': [{
        'version': 4, 'addr': address, 'OS-EXT-IPS:type': 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': port['mac_address']}]}
    shown = c.neutron('GET', '/ports/%s' % port['id']).json['port']     # binding:* is admin's
    assert (shown['binding:host_id'], shown['device_id']) == (COMPUTE, sid)

    # the guest got the port's address from dnsmasq and the host reaches it
    leased, prefix, router, _dns, _mtu = _lease(c, sid)
    t_lease = time.monotonic() - t0
    assert (leased, prefix, router) == (address, str(cidr.prefixlen), str(cidr[1]))
    br = 'brq' + net_id[:11]
    assert bridge.ports(br) == ['tap' + port['id'][:11]]
    rtt = icmp.wait_for_ping(address, 30)
    assert rtt is not None, 'the guest did not answer the host\'s ping'
    dhcp = host.HostNetwork(c.networks_root)._network(net_id).dhcp
    assert (port['mac_address'], address) in dhcp.leases()
    plug = re.search(r'Instance %s spawned .*plug_vifs=([0-9.]+)s' % sid,
                     c.log_text(COMPUTE))
    print('\nreference request: ACTIVE after %.1f s, lease line after %.1f s; bind %.2f s, '
          'plug %s s, ping %.1f ms; guest: %s' % (
              t_active, t_lease, _bind_seconds(c, sid), plug and plug.group(1), rtt * 1000,
              LEASE.search(_console(c, sid)).group(0)))

    # delete: the port stays, unbound; its lease and the network's wiring go
    _delete(c, sid)
    kept = c.neutron('GET', '/ports/%s' % port['id']).json['port']
    assert (kept['device_id'], kept['binding:host_id'] or '') == ('', '')
    assert not os.path.exists(os.path.join(c.networks_root, net_id))
    assert not bridge.exists(br)
    assert dnsmasq.running(c.networks_root) == {}
    assert icmp.ping(address, 0.5) is None


def test_two_networks_and_a_compute_restart(cloud):
    c = cloud
    (net_a, cidr_a), (net_b, cidr_b) = _tenant_network(c, 'net-a'), _tenant_network(c, 'net-b')
    sids = []
    for name, net in (('on-a', net_a), ('on-b', net_b)):
        r = c.request('POST', '/v2.1/%s/servers' % TENANT, {'server': {
            'name': name, 'imageRef': c.image_id, 'flavorRef': '8',
            'networks': [{'uuid': net}]}}, token=USER_TOKEN)
        assert r.status == 202, r.raw
        sids.append(r.json['server']['id'])
    servers = [_wait_active(c, sid) for sid in sids]
    leases = [_lease(c, sid)[0] for sid in sids]
    assert [s['addresses'] for s in servers] == [
        {'net-a': [dict(servers[0]['addresses']['net-a'][0], addr=leases[0])]},
        {'net-b': [dict(servers[1]['addresses']['net-b'][0], addr=leases[1])]}]
    import ipaddress
    assert ipaddress.ip_address(leases[0]) in cidr_a
    assert ipaddress.ip_address(leases[1]) in cidr_b
    ports = [c.neutron('GET', '/ports?device_id=%s' % sid).json['ports'] for sid in sids]
    assert [len(p) for p in ports] == [1, 1]
    running = dnsmasq.running(c.networks_root)
    assert sorted(os.path.basename(d) for d in running.values()) == sorted([net_a, net_b])

    # the compute dies; meanwhile something stale appears: a dnsmasq and a
    # bridge of a network no server here uses any more
    c.stop_process(COMPUTE, signal.SIGKILL)
    gone_net = str(uuid.uuid4())
    gone_dir = os.path.join(c.networks_root, gone_net)
    os.makedirs(gone_dir)
    gone_br = 'brq' + gone_net[:11]
    bridge.ensure_bridge(gone_br)
    with open(os.path.join(gone_dir, host.STATE_FILE), 'w') as f:
        f.write('{"bridge": "%s", "isolated": true}' % gone_br)
    stray = subprocess.Popen(['dnsmasq', '--keep-in-foreground', '--port=0',
                              '--conf-file=/dev/null', '--bind-interfaces', '--interface=lo',
                              '--pid-file=%s/pid' % gone_dir])
    try:
        wait_for(lambda: stray.pid in dnsmasq.running(c.networks_root), 10,
                 what='the stale dnsmasq')
        t_restart = time.monotonic()
        c._spawn(COMPUTE, 'novalite-compute', c.compute_confs[COMPUTE])
        wait_for(lambda: 'Host networking reconciled: 2 networks, 2 ports'
                 in c.log_text(COMPUTE), 90, what='the compute to reconcile')
        assert stray.wait(timeout=10) is not None
    finally:
        if stray.poll() is None:
            stray.kill()
            stray.wait()
    assert dnsmasq.running(c.networks_root) == running     # the same processes: leases live
    assert not bridge.exists(gone_br) and not os.path.exists(gone_dir)
    for address in leases:
        assert icmp.wait_for_ping(address, 30) is not None, address

    # and the guests renew their short leases from it after the restart:
    # each console prints one more renewal and dnsmasq moves the expiry on
    guests = [(sid, net, p[0]['mac_address'], addr)
              for sid, net, p, addr in zip(sids, (net_a, net_b), ports, leases)]
    assert all('lease=%d ' % LEASE_SECONDS in _console(c, sid) for sid in sids)
    before = {sid: (_console(c, sid).count('NOVALITE-GUEST-RENEW %s' % addr),
                    _lease_expiry(c, net, mac)) for sid, net, mac, addr in guests}

    def renewed():
        return all(_console(c, sid).count('NOVALITE-GUEST-RENEW %s' % addr) > before[sid][0]
                   and _lease_expiry(c, net, mac) > before[sid][1]
                   for sid, net, mac, addr in guests)
    wait_for(renewed, LEASE_SECONDS + 60, interval=2,
             what='both guests to renew their leases after the restart')
    print('\nleases of %d s renewed by both guests %.1f s after the compute restart'
          % (LEASE_SECONDS, time.monotonic() - t_restart))

    for sid in sids:
        _delete(c, sid)
    for p in ports:          # ports the compute created are deleted with the server
        assert c.neutron('GET', '/ports/%s' % p[0]['id']).status == 404
    assert dnsmasq.running(c.networks_root) == {}
    assert not bridge.exists('brq' + net_a[:11]) and not bridge.exists('brq' + net_b[:11])
