"""A real Neutron (ML2/OVN) on this machine: Keystone, neutron 29 under uwsgi,
Open vSwitch 3.1 and OVN 23.03 on the userspace datapath.

What is proven here is the network service novalite's Neutron client talks to
when ``[network] backend = neutron``: the ``openstack`` CLI reaches it through
Keystone's catalog, a port bound to this chassis gets ``binding:vif_type``
``ovs``, a port plugged into ``br-int`` with its ``iface-id`` goes ACTIVE, and
OVN's native DHCP hands the port's own address to a DHCP client behind it.
"""
import json
import os
import subprocess

import pytest

from tests import cloud as cloud_mod
from tests import keystone as ks_mod
from tests import neutron as neutron_mod

pytestmark = pytest.mark.xdist_group('neutron')

SUBNET = '10.78.0.0/24'


@pytest.fixture(scope='module')
def neutron(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('neutron')
    keystone = ks_mod.Keystone(tmp_path_factory.mktemp('keystone')).start()
    ovn = neutron_mod.OVN()
    try:
        ovn.start()
        server = neutron_mod.Neutron(tmp, keystone, ovn).start()
        yield server
    finally:
        if 'server' in locals():
            server.stop()
        ovn.stop()
        keystone.stop()


def _openstack(neutron, *args, fmt=True):
    env = dict(os.environ, OS_AUTH_URL=neutron.keystone.url, OS_USERNAME='admin',
               OS_PASSWORD=ks_mod.ADMIN_PASSWORD, OS_PROJECT_NAME='admin',
               OS_USER_DOMAIN_ID='default', OS_PROJECT_DOMAIN_ID='default',
               OS_IDENTITY_API_VERSION='3', OS_INTERFACE='public')
    env.pop('OS_CLOUD', None)
    exe = os.path.join(os.path.dirname(os.sys.executable), 'openstack')
    res = subprocess.run([exe] + list(args) + (['-f', 'json'] if fmt else []),
                         capture_output=True,
                         text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout) if res.stdout.strip() else None


def _port(neutron, port_id):
    return neutron.keystone.admin.get(neutron.url + '/v2.0/ports/' + port_id).json()['port']


def test_cli_binding_plug_and_ovn_dhcp(neutron):
    net = _openstack(neutron, 'network', 'create', 'nl-net1')
    subnet = _openstack(neutron, 'subnet', 'create', '--network', 'nl-net1',
                        '--subnet-range', SUBNET, 'nl-subnet1')
    assert subnet['gateway_ip'] == '10.78.0.1'
    port = _openstack(neutron, 'port', 'create', '--network', 'nl-net1', 'nl-port1')
    ip = port['fixed_ips'][0]['ip_address']
    assert port['status'] == 'DOWN'
    # Neutron wrote the logical switch port, with its MAC and address, into OVN
    assert ('%s %s' % (port['mac_address'], ip)) in neutron.ovn.nbctl('show', net['id'])

    # bound to this chassis, as novalite-compute binds: vif_type ovs
    admin = neutron.keystone.admin
    bound = admin.put(neutron.url + '/v2.0/ports/' + port['id'],
                      json={'port': {'binding:host_id': neutron_mod.CHASSIS,
                                     'device_owner': 'compute:nova',
                                     'device_id': 'nl-probe'}}).json()['port']
    assert bound['binding:vif_type'] == 'ovs', bound
    assert bound['binding:vif_details'].get('port_filter') is True

    with neutron.ovn.namespace_port(port['id'], port['mac_address'], 'nlns1') as dev:
        cloud_mod.wait_for(lambda: _port(neutron, port['id'])['status'] == 'ACTIVE',
                           timeout=60, what='the port ACTIVE once plugged into br-int')
        lease = subprocess.run(
            ['ip', 'netns', 'exec', 'nlns1', 'busybox', 'udhcpc', '-i', dev, '-n', '-q',
             '-f', '-t', '5', '-T', '2', '-s', '/bin/true'],
            capture_output=True, text=True, timeout=60)
        assert 'lease of %s obtained from 10.78.0.1' % ip in lease.stdout + lease.stderr, \
            lease.stdout + lease.stderr
    # unplugged: OVN releases the binding and Neutron reports the port DOWN
    cloud_mod.wait_for(lambda: _port(neutron, port['id'])['status'] == 'DOWN',
                       timeout=60, what='the port DOWN once unplugged')
    _openstack(neutron, 'port', 'delete', 'nl-port1', fmt=False)
    assert port['id'] not in neutron.ovn.nbctl('show')
