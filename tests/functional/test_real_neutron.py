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

# br-int is host-wide: one worker runs every OVN test
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


def test_embedded_network_service_answers_as_neutron(neutron, tmp_path):
    """The same requests to this real Neutron and to novalite's embedded
    /network service (in-process, on SQLite): same status codes, error types,
    and attribute names (but those of extensions novalite does not have)."""
    import webob
    from oslo_config import cfg
    import novalite.conf  # noqa: F401 - the option groups
    from novalite.api.network import app as network_app
    from novalite.db import migration
    from novalite.db import session as db_session
    from novalite import policy as nl_policy
    nl_policy.get_enforcer()        # parses the (empty) command line, loads the policies
    cfg.CONF.set_override('connection', 'sqlite:///%s' % (tmp_path / 'n.sqlite'), 'database')
    db_session.dispose_engine()
    migration.db_sync()
    embedded = network_app.NetworkApp()
    admin = neutron.keystone.admin

    def real(method, path, body=None):
        r = admin.request(neutron.url + '/v2.0' + path, method, json=body, raise_exc=False)
        return r.status_code, r.json() if r.content else None

    def mine(method, path, body=None):
        req = webob.Request.blank('/v2.0' + path, method=method,
                                  headers={'X-Auth-Token': 'admin:%s' % ('a' * 32)})
        req.environ['novalite.request_id'] = 'req-0'
        if body is not None:
            req.body, req.content_type = json.dumps(body).encode(), 'application/json'
        resp = req.get_response(embedded)
        return resp.status_int, resp.json if resp.body else None

    def both(method, path, body=None):
        answers = []
        for call, ids in ((real, real_ids), (mine, mine_ids)):
            p, b = path.format(**ids), json.loads(json.dumps(body or {}).replace(
                '{net}', ids.get('net', '')))
            answers.append(call(method, p, b if body is not None else None))
        (rs, rb), (ms, mb) = answers
        assert rs == ms, (method, path, rb, mb)
        if rb and 'NeutronError' in rb:
            assert rb['NeutronError']['type'] == mb['NeutronError']['type'], (rb, mb)
        return rb, mb
    real_ids, mine_ids = {}, {}
    extension_only = {'is_default', 'qinq', 'vlan_transparent'}
    try:
        rb, mb = both('POST', '/networks', {'network': {'name': 'cmp'}})
        assert set(rb['network']) - extension_only == set(mb['network'])
        real_ids['net'], mine_ids['net'] = rb['network']['id'], mb['network']['id']
        rb, mb = both('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 4,
                                                      'cidr': '10.79.0.0/28'}})
        assert set(rb['subnet']) == set(mb['subnet'])
        for key in ('allocation_pools', 'gateway_ip', 'cidr', 'revision_number'):
            assert rb['subnet'][key] == mb['subnet'][key], key
        rb, mb = both('POST', '/ports', {'port': {'network_id': '{net}'}})
        assert set(rb['port']) == set(mb['port'])
        real_ids['port'], mine_ids['port'] = rb['port']['id'], mb['port']['id']
        for body in ({'ip_address': '10.79.0.15'}, {'ip_address': '10.80.0.1'}):
            both('POST', '/ports', {'port': {'network_id': '{net}', 'fixed_ips': [body]}})
        both('GET', '/networks?bogus=1')
        both('GET', '/networks?shared=maybe')
        both('POST', '/networks', {'network': {'bogus': 1}})
        both('POST', '/networks', {'network': {'name': [1]}})
        both('GET', '/networks/%s' % '00000000-0000-0000-0000-000000000000')
        both('DELETE', '/networks/{net}')
        both('PUT', '/ports/{port}', {'port': {'device_id': 'x', 'binding:host_id': None}})
        both('DELETE', '/ports/{port}')
        both('DELETE', '/networks/{net}')
    finally:
        db_session.dispose_engine()
        cfg.CONF.clear_override('connection', 'database')
