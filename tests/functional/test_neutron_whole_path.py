"""The whole path on a real Neutron (ML2/OVN): novalite in keystone mode with
``[network] backend = neutron``, a TCG guest on OVN's br-int.

The walk-through's request (legacy /v2, novaclient's headers, a key, AZ
nova, flavor "8", a port made in Neutron) goes through Keystone. The compute
binds the port (vif_type ovs), libvirt plugs the guest's tap into
br-int with the port's iface-id and the guest starts paused; OVN claims the
port, Neutron marks it ACTIVE and sends network-vif-plugged to novalite
through Keystone's catalog (os-server-external-events); the compute resumes
the guest, which gets the port's address from OVN's native DHCP.
"""
import os
import re
import shutil
import time
import uuid

import pytest

from tests.cloud import private_cloud, wait_for
from tests.functional import libvirt_env
from tests import keystone as ks_mod
from tests import neutron as neutron_mod

# br-int is host-wide: one worker runs every OVN test
pytestmark = [pytest.mark.xdist_group('neutron'), pytest.mark.timeout(1200)]

HOST = neutron_mod.CHASSIS
LEASE = re.compile(r'NOVALITE-GUEST-IP (\S+)/(\d+)')
BOOT_TIMEOUT = 600


@pytest.fixture(scope='module')
def stack(tmp_path_factory):
    kernel, initrd = libvirt_env.test_guest_files()
    keystone = ks_mod.Keystone(tmp_path_factory.mktemp('ks')).start()
    ovn = neutron_mod.OVN(system_rundir=True)
    top = libvirt_env.searchable_tmpdir('novalite-neutron-')
    prefix = 'nlovn' + uuid.uuid4().hex[:6]
    server = None
    try:
        ovn.start()
        server = neutron_mod.Neutron(tmp_path_factory.mktemp('neutron'), keystone, ovn,
                                     notify_nova=True).start()
        tmp = tmp_path_factory.mktemp('ovncloud')
        neutron_conf = ('\n[network]\nbackend = neutron\n'
                        '[neutron]\nauth_type = password\nauth_url = %(ks)s\n'
                        'username = admin\npassword = %(pw)s\nproject_name = admin\n'
                        'user_domain_name = Default\nproject_domain_name = Default\n'
                        'region_name = RegionOne\n[DEFAULT]\nvif_plugging_timeout = 30\n'
                        % {'ks': keystone.url, 'pw': ks_mod.ADMIN_PASSWORD})
        conf = (libvirt_env.compute_conf(os.path.join(top, 'instances'), '', prefix)
                + '\n[image]\nstore_path = %s\n' % (tmp / 'state' / 'images') + neutron_conf)
        with private_cloud(tmp, computes=(HOST,), compute_conf={HOST: conf},
                           extra_conf=keystone.authtoken_conf() + neutron_conf) as c:
            keystone.register_compute(c.base + '/v2.1')
            c.start()
            c.manage('flavor', 'create', '--id', '8', '--ram', '128', '--vcpus', '1',
                     '--disk', '1', 'm1.ref')
            c.image_id = libvirt_env.import_guest(c, kernel, initrd)
            c.keystone, c.neutron, c.ovn = keystone, server, ovn
            c.token = keystone.session('admin', ks_mod.ADMIN_PASSWORD, 'admin').get_token()
            c.project = keystone.admin.get_project_id()
            yield c
    finally:
        libvirt_env.destroy_domains(prefix)
        if server is not None:
            server.stop()
        ovn.stop()
        keystone.stop()
        shutil.rmtree(top, ignore_errors=True)


def _neutron(c, method, path, body=None):
    resp = c.keystone.admin.request(c.neutron.url + '/v2.0' + path, method, json=body,
                                    raise_exc=False)
    assert resp.status_code < 300, resp.text
    return resp.json() if resp.content else None


def _nova(c, method, path, body=None):
    return c.request(method, '/v2.1/%s%s' % (c.project, path), body, token=c.token)


def _console(c, sid):
    r = _nova(c, 'POST', '/servers/%s/action' % sid, {'os-getConsoleOutput': {}})
    return r.json['output'] if r.status == 200 else ''


def _status(c, sid):
    r = _nova(c, 'GET', '/servers/%s' % sid)
    return r.json['server'] if r.status == 200 else None


def test_guest_on_a_neutron_port_waits_for_vif_plugged_and_leases_from_ovn(stack):
    c = stack
    net = _neutron(c, 'POST', '/networks', {'network': {'name': 'ovn-net'}})['network']
    _neutron(c, 'POST', '/subnets', {'subnet': {'network_id': net['id'], 'ip_version': 4,
                                                'cidr': '10.79.0.0/24'}})
    port = _neutron(c, 'POST', '/ports', {'port': {'network_id': net['id']}})['port']
    address = port['fixed_ips'][0]['ip_address']
    assert _nova(c, 'POST', '/os-keypairs', {'keypair': {'name': 'keyName'}}).status == 200
    t0 = time.monotonic()
    # the walk-through's request, as novaclient sends it to the legacy endpoint
    r = c.request('POST', '/v2/%s/servers' % c.project, {'server': {
        'name': 'ovn-vm', 'imageRef': c.image_id, 'flavorRef': '8', 'key_name': 'keyName',
        'availability_zone': 'nova', 'min_count': 1, 'max_count': 1,
        'networks': [{'port': port['id']}]}}, token=c.token,
        headers={'X-Auth-Project-Id': c.project, 'User-Agent': 'python-novaclient'})
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    server = wait_for(lambda: (_status(c, sid) or {}).get('status') in ('ACTIVE', 'ERROR')
                      and _status(c, sid), BOOT_TIMEOUT, what='server ACTIVE')
    active_s = time.monotonic() - t0
    assert server['status'] == 'ACTIVE', server.get('fault')
    # the event flow: paused, Neutron's network-vif-plugged through the API, resumed
    compute_log = c.log_text(HOST)
    neutron_log = (c.neutron.tmp / 'neutron.log').read_text(errors='replace')
    assert re.search(r"Nova event matching .*'name': 'network-vif-plugged', 'server_uuid': "
                     r"'%s'.*'code': 200" % sid, neutron_log) or re.search(
        r"Nova event matching .*'server_uuid': '%s', 'name': 'network-vif-plugged'.*"
        r"'code': 200" % sid, neutron_log), 'Neutron sent no accepted network-vif-plugged'
    spawned = re.search(r'Instance %s spawned successfully in [0-9.]+ s \((.*)\)' % sid,
                        compute_log)
    assert spawned and 'wait_vif_plugged=' in spawned.group(1) and 'resume=' in \
        spawned.group(1), compute_log[-3000:]
    bound = _neutron(c, 'GET', '/ports/' + port['id'])['port']
    assert (bound['binding:host_id'], bound['binding:vif_type'], bound['device_id'],
            bound['status']) == (HOST, 'ovs', sid, 'ACTIVE')
    assert [a['addr'] for a in server['addresses']['ovn-net']] == [address]
    try:
        lease = wait_for(lambda: LEASE.search(_console(c, sid)), BOOT_TIMEOUT, interval=0.5,
                         what="the guest's DHCP lease line")
    except AssertionError:
        raise AssertionError('no DHCP lease line; console: %r' % _console(c, sid)[-2000:])
    assert lease.group(1) == address
    print('POST -> ACTIVE %.1f s (%s); lease %.1f s after POST'
          % (active_s, spawned.group(1), time.monotonic() - t0))
    assert _nova(c, 'DELETE', '/servers/%s' % sid).status == 204
    wait_for(lambda: _status(c, sid) is None, 120, what='server deleted')
    port = _neutron(c, 'GET', '/ports/' + port['id'])['port']
    assert (port['binding:host_id'], port['device_id']) == ('', '')


def test_port_never_plugged_is_a_fault_naming_it(stack):
    """A port that is administratively down never goes ACTIVE, so Neutron
    never says it is plugged; the build is aborted after vif_plugging_timeout
    with a fault naming the port and the wait, and releases the claim and
    the port."""
    c = stack
    net = _neutron(c, 'GET', '/networks?name=ovn-net')['networks']
    if not net:
        net = [_neutron(c, 'POST', '/networks', {'network': {'name': 'ovn-net'}})['network']]
        _neutron(c, 'POST', '/subnets', {'subnet': {'network_id': net[0]['id'],
                                                    'ip_version': 4, 'cidr': '10.79.0.0/24'}})
    port = _neutron(c, 'POST', '/ports', {'port': {'network_id': net[0]['id'],
                                                   'admin_state_up': False}})['port']
    r = _nova(c, 'POST', '/servers', {'server': {
        'name': 'ovn-stuck', 'imageRef': c.image_id, 'flavorRef': '8',
        'networks': [{'port': port['id']}]}})
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    server = wait_for(lambda: (_status(c, sid) or {}).get('status') in ('ACTIVE', 'ERROR')
                      and _status(c, sid), BOOT_TIMEOUT, what='server ERROR')
    assert server['status'] == 'ERROR'
    assert ('Virtual interface creation failed: timed out after 30 s waiting for '
            'network-vif-plugged for port %s' % port['id']) in server['fault']['message']
    assert c.node_usage(HOST)[0] == 0                     # the claim is released
    port = _neutron(c, 'GET', '/ports/' + port['id'])['port']
    assert (port['binding:host_id'], port['device_id']) == ('', '')   # unbound, kept
    assert _nova(c, 'DELETE', '/servers/%s' % sid).status == 204
