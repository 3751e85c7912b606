"""Servers on networks and ports, through the daemons (fake driver) and the
embedded network service at /network, with unmodified clients.

The reference request (legacy /v2, python-novaclient's headers, a port passed
in) boots ACTIVE on a port the compute bound to itself; delete gives the port
back unbound.  ``--nic net-id=`` creates a port that delete removes.  Every
error of create is Nova's code, and writes nothing.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.xdist_group('networks')

OPENSTACK = shutil.which('openstack') or os.path.join(os.path.dirname(sys.executable),
                                                      'openstack')
TENANT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
USER_TOKEN = 'demo:%s' % TENANT


@pytest.fixture(scope='module')
def cloud(module_cloud):
    c = module_cloud
    c.manage('flavor', 'create', '--id', '8', '--ram', '256', '--vcpus', '1', '--disk', '1',
             'm1.ref')
    # the project's own network, next to the shared one of the module cloud
    c.tenant_net = c.create_network('tenant-net', '10.30.0.0/24', token=USER_TOKEN)
    return c


@pytest.fixture(scope='module')
def osc(cloud, tmp_path_factory):
    """The ``openstack`` CLI as the tenant's user (noauth2 token), or with
    ``admin=True`` as an admin of the same project (binding:* is admin-only)."""
    home = tmp_path_factory.mktemp('osc-net')
    base = cloud.base

    def entry(token):
        return {'auth_type': 'admin_token', 'auth': {'token': token, 'endpoint': base + '/v2.1'},
                'compute_endpoint_override': base + '/v2.1',
                'image_endpoint_override': base + '/image',
                'network_endpoint_override': base + '/network', 'identity_api_version': 3}
    (home / 'clouds.yaml').write_text(json.dumps({'clouds': {
        'novalite': entry(USER_TOKEN), 'novalite-admin': entry('admin:%s' % TENANT)}}))
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(home / 'clouds.yaml'), HOME=str(home))

    def run(*args, admin=False, ok=True):
        name = 'novalite-admin' if admin else 'novalite'
        res = subprocess.run([OPENSTACK, '--os-cloud', name] + list(args),
                             capture_output=True, text=True, env=env, timeout=180)
        if not ok:          # a refusal: the finished process, for its code and stderr
            return res
        assert res.returncode == 0, res.stdout + res.stderr
        return json.loads(res.stdout) if '-f' in args and res.stdout.strip() else res.stdout
    return run


def _port(cloud, port_id, token=USER_TOKEN):
    r = cloud.neutron('GET', '/ports/%s' % port_id, token=token)
    return r.json['port'] if r.status == 200 else None


def _legacy_create(cloud, server):
    """The walk-through's request: legacy /v2, novaclient's headers."""
    return cloud.request('POST', '/v2/%s/servers' % TENANT, {'server': server},
                         token=USER_TOKEN,
                         headers={'X-Auth-Project-Id': TENANT,
                                  'User-Agent': 'python-novaclient'})


def test_reference_request_boots_on_the_port_and_keeps_it(cloud, osc):
    key = cloud.request('POST', '/v2.1/%s/os-keypairs' % TENANT,
                        {'keypair': {'name': 'keyName'}}, token=USER_TOKEN)
    assert key.status == 200, key.raw
    port = osc('port', 'create', '--network', 'tenant-net', '-f', 'json', 'ref-port')
    address = port['fixed_ips'][0]['ip_address']

    r = _legacy_create(cloud, {
        'name': 'ref', 'imageRef': cloud.image_id, 'flavorRef': '8', 'key_name': 'keyName',
        'availability_zone': 'nova', 'min_count': 1, 'max_count': 1,
        'networks': [{'port': port['id']}]})
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    server = cloud.wait_status(sid)
    assert server['status'] == 'ACTIVE', server.get('fault')

    # the compute bound the port to itself, for this server (binding:* is
    # shown to admins only, as Neutron does)
    shown = osc('port', 'show', '-f', 'json', port['id'], admin=True)
    assert shown['binding_host_id'] == 'compute1'
    assert shown['device_id'] == sid and shown['device_owner'] == 'compute:nova'
    assert [p['ID'] for p in osc('port', 'list', '--server', sid, '-f', 'json')] == \
        [port['id']]
    # addresses: the port's address under the network's name, with its MAC
    assert server['addresses'] == {'tenant-net': [{
        'version': 4, 'addr': address, 'OS-EXT-IPS:type': 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': port['mac_address']}]}
    # the ip filter matches the real address
    found = cloud.request('GET', '/v2.1/%s/servers?ip=%s$' % (TENANT, address.replace(
        '.', '%5C.')), token=USER_TOKEN)
    assert [s['id'] for s in found.json['servers']] == [sid]

    # os-interface list and show (tag from 2.70)
    base = '/v2.1/%s/servers/%s/os-interface' % (TENANT, sid)
    listed = cloud.request('GET', base, token=USER_TOKEN)
    assert listed.status == 200, listed.raw
    [iface] = listed.json['interfaceAttachments']
    assert iface == {'net_id': cloud.tenant_net, 'port_id': port['id'],
                     'mac_addr': port['mac_address'], 'port_state': iface['port_state'],
                     'fixed_ips': [{'subnet_id': port['fixed_ips'][0]['subnet_id'],
                                    'ip_address': address}]}
    one = cloud.request('GET', base + '/' + port['id'], token=USER_TOKEN,
                        headers={'OpenStack-API-Version': 'compute 2.70'})
    assert one.status == 200 and one.json['interfaceAttachment']['tag'] is None, one.raw
    assert one.json['interfaceAttachment']['port_id'] == port['id']
    assert cloud.request('GET', base + '/' + cloud.network_id, token=USER_TOKEN).status == 404

    # delete: the port the user passed in stays, unbound (preserve_on_delete)
    assert cloud.request('DELETE', '/v2/%s/servers/%s' % (TENANT, sid),
                         token=USER_TOKEN).status == 204
    cloud.wait_gone(sid)
    kept = osc('port', 'show', '-f', 'json', port['id'], admin=True)
    assert (kept['device_id'], kept['device_owner']) == ('', '')
    assert not kept['binding_host_id']
    osc('port', 'delete', port['id'])


def test_nic_net_id_creates_a_port_that_delete_removes(cloud, osc):
    server = osc('server', 'create', '--image', 'test-image', '--flavor', 'm1.ref',
                 '--nic', 'net-id=%s' % cloud.tenant_net, '--wait', '-f', 'json', 'nic-vm')
    assert server['status'] == 'ACTIVE'
    [port] = osc('port', 'list', '--server', server['id'], '-f', 'json')
    shown = osc('port', 'show', '-f', 'json', port['ID'], admin=True)
    assert shown['binding_host_id'] == 'compute1' and shown['network_id'] == cloud.tenant_net
    addr = shown['fixed_ips'][0]['ip_address']
    assert addr.startswith('10.30.0.')
    detail = cloud.request('GET', '/v2.1/%s/servers/%s' % (TENANT, server['id']),
                           token=USER_TOKEN).json['server']
    assert [a['addr'] for a in detail['addresses']['tenant-net']] == [addr]
    osc('server', 'delete', '--wait', server['id'])
    assert _port(cloud, port['ID']) is None


def _cli_server(cloud, osc, name, *nic):
    """``openstack server create ... --wait`` with the given network
    arguments; returns (server detail as the API shows it, its ports)."""
    created = osc('server', 'create', '--image', 'test-image', '--flavor', 'm1.ref', *nic,
                  '--wait', '-f', 'json', name)
    assert created['status'] == 'ACTIVE', created
    detail = cloud.request('GET', '/v2.1/%s/servers/%s' % (TENANT, created['id']),
                           token=USER_TOKEN).json['server']
    return detail, cloud.neutron('GET', '/ports?device_id=%s' % created['id']).json['ports']


def test_cli_fixed_ip_network_and_port_by_name(cloud, osc):
    """The unmodified CLI's other network forms: ``--nic
    net-id=,v4-fixed-ip=``, ``--network NAME`` and ``--port NAME`` (both
    names resolved by the CLI through /network); a taken fixed IP is Nova's
    400 in the CLI's error, an unknown network name the CLI's own, and
    neither leaves a server or a port behind."""
    fixed, [fixed_port] = _cli_server(cloud, osc, 'cli-fixed', '--nic',
                                      'net-id=%s,v4-fixed-ip=10.30.0.88' % cloud.tenant_net)
    assert fixed_port['fixed_ips'][0]['ip_address'] == '10.30.0.88'
    assert [a['addr'] for a in fixed['addresses']['tenant-net']] == ['10.30.0.88']

    by_name, [net_port] = _cli_server(cloud, osc, 'cli-net', '--network', 'tenant-net')
    assert net_port['network_id'] == cloud.tenant_net
    assert [a['addr'] for a in by_name['addresses']['tenant-net']] == \
        [net_port['fixed_ips'][0]['ip_address']]

    port = osc('port', 'create', '--network', 'tenant-net', '-f', 'json', 'cli-port')
    on_port, [bound] = _cli_server(cloud, osc, 'cli-port-vm', '--port', 'cli-port')
    assert bound['id'] == port['id'] and bound['device_owner'] == 'compute:nova'
    assert on_port['addresses']['tenant-net'][0]['OS-EXT-IPS-MAC:mac_addr'] == \
        port['mac_address']

    ports_before = len(cloud.neutron('GET', '/ports').json['ports'])
    refusals = [        # (network arguments, the CLI's error line)
        (('--nic', 'net-id=%s,v4-fixed-ip=10.30.0.88' % cloud.tenant_net),
         'BadRequestException: 400: Client Error for url: %s/v2.1/servers, Fixed IP address '
         '10.30.0.88 is already in use on instance %s.' % (cloud.base, fixed['id'])),
        (('--network', 'no-such-net'), 'No Network found for no-such-net'),
        (('--port', 'cli-port'), 'ConflictException: 409: Client Error for url: '
         '%s/v2.1/servers, Port %s is still in use.' % (cloud.base, port['id'])),
    ]
    for nic, message in refusals:
        res = osc('server', 'create', '--image', 'test-image', '--flavor', 'm1.ref', *nic,
                  '--wait', 'cli-refused', ok=False)
        assert res.returncode == 1 and message in res.stderr.splitlines(), (nic, res.stderr)
    assert cloud.query("SELECT count(*) FROM instances WHERE display_name = 'cli-refused'"
                       ) == [(0,)]
    assert len(cloud.neutron('GET', '/ports').json['ports']) == ports_before
    assert cloud.request('GET', '/v2.1/%s/servers?name=cli-refused' % TENANT,
                         token=USER_TOKEN).json['servers'] == []

    for server in (fixed, by_name, on_port):
        cloud.request('DELETE', '/v2.1/%s/servers/%s' % (TENANT, server['id']),
                      token=USER_TOKEN)
    for server in (fixed, by_name, on_port):
        cloud.wait_gone(server['id'])
    assert _port(cloud, fixed_port['id']) is None and _port(cloud, net_port['id']) is None
    assert _port(cloud, port['id'])['device_id'] == ''        # passed in: kept, unbound
    assert cloud.neutron('DELETE', '/ports/%s' % port['id'], token=USER_TOKEN).status == 204


def test_fixed_ip_gets_that_address(cloud):
    r = _legacy_create(cloud, {'name': 'fixed', 'imageRef': cloud.image_id, 'flavorRef': '8',
                               'networks': [{'uuid': cloud.tenant_net,
                                             'fixed_ip': '10.30.0.77'}]})
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    server = cloud.wait_status(sid)
    assert [a['addr'] for a in server['addresses']['tenant-net']] == ['10.30.0.77']
    cloud.request('DELETE', '/v2/%s/servers/%s' % (TENANT, sid), token=USER_TOKEN)
    cloud.wait_gone(sid)


def _errors(cloud, in_use_port, foreign_port, foreign_net):
    missing = '00000000-0000-4000-8000-000000000001'
    net = cloud.tenant_net
    return [
        ({'networks': [{'port': in_use_port}]}, 409, 'is still in use'),
        ({'networks': [{'port': missing}]}, 400, 'Port id %s could not be found' % missing),
        ({'networks': [{'port': foreign_port}]}, 400, 'could not be found'),
        ({'networks': [{'uuid': missing}]}, 400, 'Network %s could not be found' % missing),
        ({'networks': [{'uuid': foreign_net}]}, 400, 'could not be found'),
        ({'networks': [{'uuid': net, 'fixed_ip': '192.0.2.5'}]}, 400,
         'not a valid IP for any of the subnets'),
        ({'networks': [{'port': in_use_port}], 'max_count': 2}, 400,
         'Unable to launch multiple instances with a single configured port ID'),
        ({'networks': [{'uuid': net, 'fixed_ip': '10.30.0.9'}], 'max_count': 2}, 400,
         'max_count cannot be greater than 1 if an fixed_ip is specified'),
        ({'networks': [{'port': missing, 'fixed_ip': '10.30.0.9'}]}, 400,
         'cannot be used with port'),
        ({'networks': [{'port': missing}, {'port': missing}]}, 400, 'specified twice'),
        ({'networks': 'auto'}, 409, 'More than one possible network found'),
        ({'networks': [{'uuid': 'not-a-uuid'}]}, 400, 'not in proper format'),
    ]


def test_create_errors_write_nothing(cloud):
    other = 'fedcba98765432100123456789abcdef'
    other_token = 'demo:%s' % other
    foreign_net = cloud.create_network('foreign', '10.40.0.0/24', token=other_token)
    foreign_port = cloud.neutron('POST', '/ports', {'port': {'network_id': foreign_net}},
                                 token=other_token).json['port']['id']
    in_use = cloud.neutron('POST', '/ports', {'port': {
        'network_id': cloud.tenant_net, 'device_id': 'someone-else'}},
        token=USER_TOKEN).json['port']['id']
    before = cloud.row_counts()
    ports_before = len(cloud.neutron('GET', '/ports').json['ports'])
    for extra, code, message in _errors(cloud, in_use, foreign_port, foreign_net):
        server = dict({'name': 'bad', 'imageRef': cloud.image_id, 'flavorRef': '8'}, **extra)
        r = _legacy_create(cloud, server)
        assert r.status == code, (extra, r.raw)
        fault = 'conflictingRequest' if code == 409 else 'badRequest'
        assert message in r.json[fault]['message'], (extra, r.raw)
    assert cloud.row_counts() == before
    assert len(cloud.neutron('GET', '/ports').json['ports']) == ports_before


def test_openstacksdk_create_server_on_a_network_by_name(cloud):
    import openstack
    base = cloud.base
    conn = openstack.connect(auth_type='admin_token',
                             auth={'token': USER_TOKEN, 'endpoint': base + '/v2.1'},
                             compute_endpoint_override=base + '/v2.1',
                             image_endpoint_override=base + '/image',
                             network_endpoint_override=base + '/network',
                             identity_api_version='3')
    server = conn.create_server('sdk-net', image='test-image', flavor='m1.ref',
                                network='tenant-net', auto_ip=False, wait=True, timeout=120)
    assert server.status == 'ACTIVE'
    [port] = conn.network.ports(device_id=server.id)
    assert port.network_id == cloud.tenant_net
    [addr] = server.addresses['tenant-net']
    assert addr['addr'] == port.fixed_ips[0]['ip_address']
    assert conn.delete_server(server.id, wait=True, timeout=120)
    assert list(conn.network.ports(device_id=server.id)) == []
