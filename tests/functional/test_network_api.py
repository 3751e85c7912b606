"""The embedded network service at /network, over HTTP as Neutron clients use
it: version documents, networks/subnets/ports CRUD with Neutron's bodies and
codes, filters, project isolation, admin-only attributes, the port binding
contract, and hostile bodies (400, never 500, nothing written).  Then the
real ``openstack`` CLI and openstacksdk against it."""
import json
import os
import subprocess
import sys
import uuid

import pytest

from novalite.api.identity import clouds
from tests import cloud as cloud_mod

pytestmark = pytest.mark.xdist_group('test_network_api')

ADMIN = cloud_mod.ADMIN_TOKEN
MEMBER = cloud_mod.USER_TOKEN
OTHER = 'eve:%s' % uuid.uuid4().hex
OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')


def _req(c, method, path, body=None, token=ADMIN):
    return c.request(method, '/network/v2.0' + path, body, token=token)


def _create(c, resource, token=ADMIN, expect=201, **attrs):
    r = _req(c, 'POST', '/%ss' % resource, {resource: attrs}, token=token)
    assert r.status == expect, r.raw
    return r.json[resource] if expect == 201 else r.json


def _error(r, code, type_name):
    assert r.status == code, r.raw
    assert set(r.json['NeutronError']) == {'type', 'message', 'detail'}, r.raw
    assert r.json['NeutronError']['type'] == type_name, r.raw
    return r.json['NeutronError']['message']


def _rows(c):
    return tuple(c.query('SELECT count(*) FROM %s' % t)[0][0]
                 for t in ('networks', 'subnets', 'ports', 'ipallocations'))


@pytest.fixture(scope='module')
def net(module_cloud):
    """A member's network with one subnet (10.20.0.0/28, pool .2-.11)."""
    c = module_cloud
    network = _create(c, 'network', token=MEMBER, name='member-net')
    subnet = _create(c, 'subnet', token=MEMBER, network_id=network['id'], ip_version=4,
                     cidr='10.20.0.0/28', name='member-subnet',
                     allocation_pools=[{'start': '10.20.0.2', 'end': '10.20.0.11'}],
                     dns_nameservers=['10.20.0.1'])
    return network, subnet


def test_version_documents(module_cloud):
    c = module_cloud
    r = c.request('GET', '/network', token=None)
    assert r.status == 200 and r.json == {'versions': [{
        'id': 'v2.0', 'status': 'CURRENT',
        'links': [{'rel': 'self', 'href': c.base + '/network/v2.0/'}]}]}
    r = c.request('GET', '/network/v2.0/', token=None)
    assert r.status == 200
    assert {x['collection'] for x in r.json['resources']} == {'networks', 'subnets', 'ports'}
    r = _req(c, 'GET', '/extensions')
    assert {'binding', 'provider', 'net-mtu'} <= {e['alias'] for e in r.json['extensions']}
    _error(_req(c, 'GET', '/routers'), 404, 'HTTPNotFound')
    _error(c.request('POST', '/network', {}, token=None), 405, 'HTTPMethodNotAllowed')


def test_network_subnet_views(module_cloud, net):
    c = module_cloud
    network, subnet = net
    assert network['status'] == 'ACTIVE' and network['mtu'] == 1500
    assert network['tenant_id'] == network['project_id'] == cloud_mod.PROJECT
    assert (network['shared'], network['router:external'], network['admin_state_up']) == (
        False, False, True)
    assert not any(k.startswith('provider:') for k in network)     # admin-only
    assert subnet['gateway_ip'] == '10.20.0.1' and subnet['enable_dhcp'] is True
    assert subnet['allocation_pools'] == [{'start': '10.20.0.2', 'end': '10.20.0.11'}]
    shown = _req(c, 'GET', '/networks/' + network['id']).json['network']
    assert shown['subnets'] == [subnet['id']]
    assert shown['provider:network_type'] == 'local'               # the admin sees it
    r = _create(c, 'subnet', network_id=network['id'], ip_version=4, cidr='10.21.0.0/24',
                gateway_ip=None, enable_dhcp=False, host_routes=[
                    {'destination': '0.0.0.0/0', 'nexthop': '10.21.0.254'}])
    assert r['gateway_ip'] is None
    assert r['allocation_pools'] == [{'start': '10.21.0.1', 'end': '10.21.0.254'}]
    assert _req(c, 'DELETE', '/subnets/' + r['id']).status == 204
    _error(_req(c, 'GET', '/subnets/' + r['id']), 404, 'SubnetNotFound')


def test_ports_crud_and_binding(module_cloud, net):
    c = module_cloud
    network, subnet = net
    port = _create(c, 'port', token=MEMBER, network_id=network['id'], name='p1')
    assert port['mac_address'].startswith('fa:16:3e:') and port['status'] == 'DOWN'
    [ip] = port['fixed_ips']
    assert ip['subnet_id'] == subnet['id'] and ip['ip_address'] not in (
        '10.20.0.0', '10.20.0.1', '10.20.0.15')
    assert 'binding:vif_type' not in port and 'binding:host_id' not in port
    assert port['binding:vnic_type'] == 'normal' and port['security_groups'] == []
    # the compute binds it (admin / service)
    r = _req(c, 'PUT', '/ports/' + port['id'], {'port': {
        'binding:host_id': 'compute1', 'device_id': 'vm-1', 'device_owner': 'compute:nova'}})
    assert r.status == 200, r.raw
    bound = r.json['port']
    assert bound['status'] == 'ACTIVE' and bound['binding:vif_type'] == 'bridge'
    assert bound['binding:vif_details'] == {'bridge_name': 'brq' + network['id'][:11],
                                            'port_filter': False, 'connectivity': 'l2'}
    assert bound['revision_number'] > port['revision_number']
    # the member may not bind
    msg = _error(_req(c, 'PUT', '/ports/' + port['id'], {'port': {
        'binding:host_id': 'evil'}}, token=MEMBER), 403, 'PolicyNotAuthorized')
    assert 'update_port:binding:host_id' in msg
    listed = _req(c, 'GET', '/ports?device_id=vm-1&fields=id&fields=status',
                  token=MEMBER).json['ports']
    assert listed == [{'id': port['id'], 'status': 'ACTIVE'}]
    r = _req(c, 'PUT', '/ports/' + port['id'], {'port': {'binding:host_id': ''}})
    assert (r.json['port']['binding:vif_type'], r.json['port']['status']) == ('unbound', 'DOWN')
    assert _req(c, 'DELETE', '/ports/' + port['id'], token=MEMBER).status == 204
    _error(_req(c, 'GET', '/ports/' + port['id']), 404, 'PortNotFound')


def test_flat_provider_network_binding(module_cloud):
    c = module_cloud
    physnet = 'physnet-%s' % uuid.uuid4().hex[:6]
    network = _create(c, 'network', name='flat', shared=True,
                      **{'provider:network_type': 'flat', 'provider:physical_network': physnet})
    _create(c, 'subnet', network_id=network['id'], ip_version=4, cidr='192.168.77.0/24')
    _error(_req(c, 'POST', '/networks', {'network': {
        'provider:network_type': 'flat', 'provider:physical_network': physnet}}),
        409, 'FlatNetworkInUse')
    _error(_req(c, 'POST', '/networks', {'network': {'provider:network_type': 'vlan'}}),
           400, 'InvalidInput')
    # a shared network: a member sees it and may put a port on it
    port = _create(c, 'port', token=MEMBER, network_id=network['id'])
    bound = _req(c, 'PUT', '/ports/' + port['id'], {'port': {'binding:host_id': 'h1'}})
    assert bound.json['port']['binding:vif_details']['physical_network'] == physnet
    assert network['id'] in [n['id'] for n in _req(c, 'GET', '/networks?shared=true',
                                                   token=MEMBER).json['networks']]
    assert _req(c, 'DELETE', '/ports/' + port['id']).status == 204
    assert _req(c, 'DELETE', '/networks/' + network['id']).status == 204


def test_ipam_errors(module_cloud, net):
    c = module_cloud
    network, subnet = net
    taken = _create(c, 'port', network_id=network['id'],
                    fixed_ips=[{'subnet_id': subnet['id'], 'ip_address': '10.20.0.9'}])
    before = _rows(c)
    r = _req(c, 'POST', '/ports', {'port': {'network_id': network['id'],
                                            'fixed_ips': [{'ip_address': '10.20.0.9'}]}})
    _error(r, 409, 'IpAddressAlreadyAllocated')
    _error(_req(c, 'POST', '/ports', {'port': {'network_id': network['id'], 'fixed_ips': [
        {'ip_address': '10.99.0.9'}]}}), 400, 'InvalidIpForNetwork')
    _error(_req(c, 'POST', '/ports', {'port': {'network_id': network['id'], 'fixed_ips': [
        {'subnet_id': subnet['id'], 'ip_address': '10.20.0.15'}]}}), 400, 'InvalidIpForSubnet')
    # members may not pick addresses on someone else's network: here it is theirs
    _error(_req(c, 'DELETE', '/networks/' + network['id'], token=MEMBER), 409, 'NetworkInUse')
    _error(_req(c, 'DELETE', '/subnets/' + subnet['id'], token=MEMBER), 409, 'SubnetInUse')
    assert _rows(c) == before
    # exhaust the pool: 10 addresses, one taken above
    made = [_create(c, 'port', network_id=network['id']) for _ in range(9)]
    _error(_req(c, 'POST', '/ports', {'port': {'network_id': network['id']}}), 409,
           'IpAddressGenerationFailure')
    addresses = {p['fixed_ips'][0]['ip_address'] for p in made + [taken]}
    assert addresses == {'10.20.0.%d' % i for i in range(2, 12)}
    for p in made + [taken]:
        assert _req(c, 'DELETE', '/ports/' + p['id']).status == 204


def test_filters_sort_and_pagination(module_cloud, net):
    c = module_cloud
    network, subnet = net
    ports = [_create(c, 'port', network_id=network['id'], name='f%d' % i,
                     device_owner='compute:nova', device_id='dev-%d' % i) for i in range(3)]
    ip = ports[1]['fixed_ips'][0]['ip_address']
    for query, expect in (
            ('fixed_ips=ip_address%3D' + ip, [ports[1]]),
            ('fixed_ips=subnet_id%3D{}&fixed_ips=ip_address%3D{}'.format(subnet['id'], ip),
             [ports[1]]),
            ('name=f0&name=f2', [ports[0], ports[2]]),
            ('mac_address=' + ports[2]['mac_address'], [ports[2]]),
            ('device_owner=compute:nova&network_id=' + network['id'], ports),
            ('id=' + ports[0]['id'], [ports[0]]),
            ('project_id=' + cloud_mod.PROJECT + '&device_id=dev-1', [ports[1]]),
            ('tenant_id=nobody', [])):
        got = _req(c, 'GET', '/ports?' + query).json['ports']
        assert sorted(p['id'] for p in got) == sorted(p['id'] for p in expect), query
    r = _req(c, 'GET', '/ports?device_owner=compute:nova&sort_key=name&sort_dir=desc&limit=2')
    assert [p['name'] for p in r.json['ports']] == ['f2', 'f1']
    nxt = [link for link in r.json['ports_links'] if link['rel'] == 'next'][0]['href']
    r2 = c.request('GET', nxt[len(c.base):])
    assert [p['name'] for p in r2.json['ports']] == ['f0']
    _error(_req(c, 'GET', '/ports?sort_key=fixed_ips&sort_dir=asc'), 400, 'HTTPBadRequest')
    _error(_req(c, 'GET', '/ports?limit=-1'), 400, 'BadRequest')
    _error(_req(c, 'GET', '/networks?shared=maybe'), 400, 'InvalidInput')
    _error(_req(c, 'GET', '/ports?bogus=1'), 400, 'HTTPBadRequest')
    for p in ports:
        assert _req(c, 'DELETE', '/ports/' + p['id']).status == 204


def test_project_isolation(module_cloud, net):
    c = module_cloud
    network, subnet = net
    port = _create(c, 'port', token=MEMBER, network_id=network['id'])
    for path, error in (('/networks/' + network['id'], 'NetworkNotFound'),
                        ('/subnets/' + subnet['id'], 'SubnetNotFound'),
                        ('/ports/' + port['id'], 'PortNotFound')):
        _error(_req(c, 'GET', path, token=OTHER), 404, error)
        _error(_req(c, 'DELETE', path, token=OTHER), 404, error)
    # (the module cloud's shared network and its subnet are visible to all)
    for coll, mine in (('networks', network), ('subnets', subnet), ('ports', port)):
        seen = _req(c, 'GET', '/' + coll, token=OTHER).json[coll]
        assert mine['id'] not in {x['id'] for x in seen}
        assert all(x.get('shared', True) for x in seen if coll == 'networks')
    _error(_req(c, 'POST', '/ports', {'port': {'network_id': network['id']}}, token=OTHER),
           404, 'NetworkNotFound')
    _error(_req(c, 'PUT', '/networks/' + network['id'], {'network': {'name': 'x'}},
                token=OTHER), 404, 'NetworkNotFound')
    msg = _error(_req(c, 'POST', '/networks', {'network': {'tenant_id': 'someone'}},
                      token=MEMBER), 400, 'HTTPBadRequest')
    assert "Specifying 'project_id'" in msg
    assert _req(c, 'DELETE', '/ports/' + port['id']).status == 204


def test_admin_only_attributes(module_cloud, net):
    c = module_cloud
    network, _subnet = net
    before = _rows(c)
    for resource, attrs, rule in (
            ('network', {'shared': True}, 'create_network:shared'),
            ('network', {'provider:network_type': 'local'},
             'create_network:provider:network_type'),
            ('port', {'network_id': network['id'], 'binding:host_id': 'h'},
             'create_port:binding:host_id'),
            ('port', {'network_id': network['id'], 'binding:profile': {'a': 1}},
             'create_port:binding:profile')):
        msg = _error(_req(c, 'POST', '/%ss' % resource, {resource: attrs}, token=MEMBER),
                     403, 'PolicyNotAuthorized')
        assert rule in msg
    msg = _error(_req(c, 'PUT', '/networks/' + network['id'], {'network': {'shared': True}},
                      token=MEMBER), 403, 'PolicyNotAuthorized')
    assert 'update_network:shared' in msg
    assert _rows(c) == before


HOSTILE = [
    ('POST', '/networks', None), ('POST', '/networks', 'not json'),
    ('POST', '/networks', []), ('POST', '/networks', {'network': 'x'}),
    ('POST', '/networks', {'networks': [{}]}), ('POST', '/networks', {'network': {'id': 'x'}}),
    ('POST', '/networks', {'network': {'name': 'x' * 256}}),
    ('POST', '/networks', {'network': {'admin_state_up': 'perhaps'}}),
    ('POST', '/networks', {'network': {'mtu': 9000}}),
    ('POST', '/networks', {'network': {'status': 'DOWN'}}),
    ('POST', '/subnets', {'subnet': {'ip_version': 4, 'cidr': '10.0.0.0/24'}}),
    ('POST', '/subnets', {'subnet': {'network_id': 'nope', 'ip_version': 4,
                                     'cidr': '10.0.0.0/24'}}),
    ('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 5,
                                     'cidr': '10.0.0.0/24'}}),
    ('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 4, 'cidr': 'x'}}),
    ('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 6,
                                     'cidr': '10.30.0.0/24'}}),
    ('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 4,
                                     'cidr': '10.20.0.0/24'}}),        # overlaps
    ('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 4,
                                     'cidr': '10.30.0.0/24', 'allocation_pools': [
                                         {'start': '10.30.0.9', 'end': '10.30.0.2'}]}}),
    ('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 4,
                                     'cidr': '10.30.0.0/24', 'allocation_pools': [
                                         {'start': '10.30.0.1', 'end': '10.30.0.9'}]}}),
    ('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 4,
                                     'cidr': '10.30.0.0/24', 'allocation_pools': [
                                         {'start': '10.30.0.2', 'end': '10.31.0.9'}]}}),
    ('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 4,
                                     'cidr': '10.30.0.0/24', 'dns_nameservers': ['x']}}),
    ('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 4,
                                     'cidr': '10.30.0.0/24',
                                     'dns_nameservers': ['1.1.1.%d' % i for i in range(6)]}}),
    ('POST', '/subnets', {'subnet': {'network_id': '{net}', 'ip_version': 4,
                                     'cidr': '10.30.0.0/24', 'host_routes': [{'a': 1}]}}),
    ('POST', '/ports', {'port': {'network_id': '{net}', 'fixed_ips': 'x'}}),
    ('POST', '/ports', {'port': {'network_id': '{net}', 'fixed_ips': [{'ip_address': 'x'}]}}),
    ('POST', '/ports', {'port': {'network_id': '{net}', 'fixed_ips': [{'foo': 'x'}]}}),
    ('POST', '/ports', {'port': {'network_id': '{net}', 'fixed_ips': [{}]}}),
    ('POST', '/ports', {'port': {'network_id': '{net}', 'fixed_ips': [
        {'subnet_id': str(uuid.uuid4())}]}}),
    ('POST', '/ports', {'port': {'network_id': '{net}', 'mac_address': 'zz'}}),
    ('POST', '/ports', {'port': {'network_id': '{net}', 'binding:vnic_type': 'weird'}}),
    ('POST', '/ports', {'port': {'network_id': '{net}', 'binding:profile': 'x'}}),
    ('POST', '/ports', {'port': {'network_id': '{net}', 'fixed_ips': [
        {'ip_address': '10.20.0.3'}] * 30}}),
    ('POST', '/networks', {'network': {'name': 'a\x00b'}}),
    ('POST', '/networks', '{"network": {"name": "\\ud800"}}'),
    ('POST', '/networks', '[' * 100000),
    ('PUT', '/networks/{net}', {'network': {'tenant_id': 'x'}}),
    ('PUT', '/networks/{net}', {'network': {'mtu': 1}}),
    ('PUT', '/networks/{net}', {'network': {'router:external': True}}),
]


def test_hostile_bodies_are_400_and_write_nothing(module_cloud, net):
    c = module_cloud
    network, _subnet = net
    before = _rows(c)
    for method, path, body in HOSTILE:
        path = path.replace('{net}', network['id'])
        if isinstance(body, dict):
            body = json.loads(json.dumps(body).replace('{net}', network['id']))
        raw = body.encode() if isinstance(body, str) else None
        r = c.request(method, '/network/v2.0' + path, None if raw else body, raw=raw)
        assert r.status in (400, 409), (method, path, body, r.status, r.raw)
        assert r.json['NeutronError']['type'], r.raw
    for query in ('name=%00', 'name=%ff', 'mtu=x', 'created_at=x', 'limit=x',
                  'sort_key=name', 'fixed_ips=x'):
        r = _req(c, 'GET', '/networks?' + query if 'fixed' not in query else '/ports?' + query)
        assert r.status == 400 and r.json['NeutronError'], (query, r.raw)
    assert _rows(c) == before


@pytest.fixture(scope='module')
def osc(module_cloud, tmp_path_factory):
    home = tmp_path_factory.mktemp('osc-net')
    base = module_cloud.base
    (home / 'catalog').mkdir()
    (home / 'catalog' / 'clouds.yaml').write_text(clouds.text(base))
    (home / 'clouds.yaml').write_text(json.dumps({'clouds': {'novalite': {
        'auth_type': 'none', 'auth': {'endpoint': base + '/v2.1'},
        'compute_endpoint_override': base + '/v2.1',
        'network_endpoint_override': base + '/network',
        'identity_api_version': 3}}}))
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(home / 'clouds.yaml'), HOME=str(home))
    catalog_env = dict(env, OS_CLIENT_CONFIG_FILE=str(home / 'catalog' / 'clouds.yaml'))

    def run(*args, ok=True, catalog=False):
        res = subprocess.run([OPENSTACK] + ([] if catalog else ['--os-cloud', 'novalite'])
                             + list(args), capture_output=True, text=True,
                             env=catalog_env if catalog else env, timeout=180)
        if ok:
            assert res.returncode == 0, res.stdout + res.stderr
            return json.loads(res.stdout) if '-f' in args and res.stdout.strip() else res.stdout
        return res
    return run


def test_openstack_cli(module_cloud, osc):
    network = osc('network', 'create', '-f', 'json', 'cli-net')
    assert network['status'] == 'ACTIVE'
    subnet = osc('subnet', 'create', '-f', 'json', '--network', 'cli-net',
                 '--subnet-range', '10.40.0.0/24', '--gateway', '10.40.0.254',
                 '--allocation-pool', 'start=10.40.0.10,end=10.40.0.20',
                 '--dns-nameserver', '10.40.0.254', '--no-dhcp', 'cli-subnet')
    assert subnet['gateway_ip'] == '10.40.0.254' and subnet['enable_dhcp'] is False
    assert subnet['allocation_pools'] == [{'start': '10.40.0.10', 'end': '10.40.0.20'}]
    port = osc('port', 'create', '-f', 'json', '--network', 'cli-net',
               '--fixed-ip', 'subnet=cli-subnet,ip-address=10.40.0.15',
               '--device', 'cli-device', 'cli-port')
    assert port['fixed_ips'] == [{'subnet_id': subnet['id'], 'ip_address': '10.40.0.15'}]
    listed = osc('port', 'list', '-f', 'json', '--device-id', 'cli-device')
    assert [p['ID'] for p in listed] == [port['id']]
    assert osc('port', 'show', '-f', 'json', 'cli-port')['id'] == port['id']
    assert 'cli-net' in [n['Name'] for n in osc('network', 'list', '-f', 'json')]
    # through the embedded identity's catalog (the clouds.yaml novalite-all writes)
    listed = osc('--os-cloud', 'novalite', 'network', 'list', '-f', 'json', catalog=True)
    assert network['id'] in [n['ID'] for n in listed]
    osc('port', 'delete', 'cli-port')
    osc('network', 'delete', 'cli-net')            # its subnet goes with it
    assert _req(module_cloud, 'GET', '/networks?name=cli-net').json['networks'] == []
    assert _req(module_cloud, 'GET', '/subnets/' + subnet['id']).status == 404


def test_openstacksdk(module_cloud):
    import openstack
    base = module_cloud.base
    conn = openstack.connect(auth_type='none', auth={'endpoint': base + '/v2.1'},
                             compute_endpoint_override=base + '/v2.1',
                             network_endpoint_override=base + '/network',
                             identity_api_version='3')
    network = conn.network.create_network(name='sdk-net')
    subnet = conn.network.create_subnet(network_id=network.id, ip_version=4,
                                        cidr='10.50.0.0/24', name='sdk-subnet')
    port = conn.network.create_port(network_id=network.id, device_id='sdk-device')
    assert port.fixed_ips[0]['subnet_id'] == subnet.id
    assert [p.id for p in conn.network.ports(device_id='sdk-device')] == [port.id]
    assert conn.network.find_network('sdk-net').id == network.id
    conn.network.delete_port(port)
    conn.network.delete_subnet(subnet)
    conn.network.delete_network(network)
    assert conn.network.find_network('sdk-net') is None
