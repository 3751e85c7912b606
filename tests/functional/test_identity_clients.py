"""The unmodified clients through the embedded identity endpoint (noauth2):
the ``openstack`` CLI with the clouds.yaml novalite-all writes (as admin and
as a member), openstacksdk ``connect(cloud=...)`` and novaclient on a
keystoneauth password session.  No endpoint overrides: every URL comes from
the catalog."""
import json
import os
import subprocess
import sys

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from novalite.api.identity import clouds
from tests.cloud import wait_for

pytestmark = pytest.mark.xdist_group('identity_clients')

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')
ADMIN_PROJECT = '61646d696e'
DEMO_PROJECT = '64656d6f'


@pytest.fixture(scope='module')
def clouds_yaml(module_cloud, tmp_path_factory):
    home = tmp_path_factory.mktemp('identity-clients')
    path = home / 'clouds.yaml'
    path.write_text(clouds.text(module_cloud.base))
    return path


@pytest.fixture(scope='module')
def osc(clouds_yaml):
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(clouds_yaml),
               HOME=str(clouds_yaml.parent))

    def run(cloud, *args, ok=True):
        res = subprocess.run([OPENSTACK, '--os-cloud', cloud] + list(args),
                             capture_output=True, text=True, env=env, timeout=180)
        if not ok:
            return res
        assert res.returncode == 0, res.stdout + res.stderr
        return json.loads(res.stdout) if '-f' in args and res.stdout.strip() else res.stdout
    return run


@pytest.fixture(scope='module')
def admin_server(osc):
    server = osc('novalite', 'server', 'create', '--image', 'test-image', '--flavor', 'm1.tiny',
                 '--wait', '-f', 'json', 'id-admin-vm')
    yield server
    osc('novalite', 'server', 'delete', '--wait', 'id-admin-vm')


def test_cli_as_admin(osc, admin_server, tmp_path):
    assert admin_server['status'] == 'ACTIVE'
    assert (admin_server['project_id'], admin_server['user_id']) == (ADMIN_PROJECT, 'admin')
    assert osc('novalite', 'server', 'show', '-f', 'json', 'id-admin-vm')['id'] == \
        admin_server['id']
    events = osc('novalite', 'server', 'event', 'list', '-f', 'json', 'id-admin-vm')
    assert [e['Action'] for e in events] == ['create']
    assert 'FAKE CONSOLE OUTPUT' in osc('novalite', 'console', 'log', 'show', 'id-admin-vm')
    # admin-only reads work: the token's user is "admin"
    assert [h['Hypervisor Hostname'] for h in osc('novalite', 'hypervisor', 'list', '-f',
                                                  'json')] == ['compute1']
    binaries = {s['Binary'] for s in osc('novalite', 'compute', 'service', 'list', '-f', 'json')}
    assert binaries == {'novalite-conductor', 'novalite-scheduler', 'novalite-compute'}
    zones = {z['Zone Name'] for z in osc('novalite', 'availability', 'zone', 'list', '-f', 'json')}
    assert 'nova' in zones
    # quota set/show find the project "demo" through the identity API
    osc('novalite', 'quota', 'set', '--instances', '7', 'demo')
    shown = {q['Resource']: q['Limit'] for q in osc('novalite', 'quota', 'show', '-f', 'json',
                                                   'demo')}
    assert shown['instances'] == 7
    assert shown['networks'] == -1          # the embedded network service sets no quota
    flavor = osc('novalite', 'flavor', 'create', '--ram', '256', '--vcpus', '1', '--disk', '1',
                 '-f', 'json', 'id-flavor')
    assert flavor['name'] == 'id-flavor'
    (tmp_path / 'disk.raw').write_bytes(b'\0' * 4096)
    image = osc('novalite', 'image', 'create', '--file', str(tmp_path / 'disk.raw'),
                '--disk-format', 'raw', '-f', 'json', 'id-image')
    assert image['status'] == 'active'
    key = osc('novalite', 'keypair', 'create', '--private-key', str(tmp_path / 'k.pem'),
              '-f', 'json', 'id-key')
    assert key['name'] == 'id-key'


def test_cli_as_member_sees_only_its_project(osc, admin_server):
    mine = osc('novalite-member', 'server', 'create', '--image', 'test-image', '--flavor',
               'm1.tiny', '--wait', '-f', 'json', 'id-member-vm')
    assert mine['status'] == 'ACTIVE' and mine['project_id'] == DEMO_PROJECT
    listed = [s['ID'] for s in osc('novalite-member', 'server', 'list', '-f', 'json')]
    assert listed == [mine['id']]
    everything = {s['ID']: s['Project ID'] for s in osc('novalite', 'server', 'list',
                                                        '--all-projects', '--long', '-f',
                                                        'json')}
    assert everything[mine['id']] == DEMO_PROJECT
    assert everything[admin_server['id']] == ADMIN_PROJECT
    for args in (('server', 'list', '--all-projects'), ('hypervisor', 'list')):
        res = osc('novalite-member', *args, ok=False)
        assert res.returncode != 0 and 'Policy doesn' in res.stderr
    quotas = {q['Resource']: q['Limit'] for q in osc('novalite-member', 'quota', 'show',
                                                     '-f', 'json')}
    assert quotas['cores'] == 20
    osc('novalite-member', 'server', 'delete', '--wait', 'id-member-vm')


def test_openstacksdk_connect_cloud(module_cloud, clouds_yaml, monkeypatch):
    import openstack
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(clouds_yaml))
    conn = openstack.connect(cloud='novalite')
    assert conn.current_project_id == ADMIN_PROJECT
    assert conn.compute.get_endpoint() == module_cloud.base + '/v2.1'
    image = conn.image.find_image('test-image', ignore_missing=False)
    flavor = conn.compute.find_flavor('m1.tiny', ignore_missing=False)
    server = conn.compute.create_server(name='id-sdk-vm', image_id=image.id,
                                        flavor_id=flavor.id, networks='none')
    server = conn.compute.wait_for_server(server, wait=60)
    assert server.status == 'ACTIVE' and server.project_id == ADMIN_PROJECT
    assert server.id in [s.id for s in conn.compute.servers(all_projects=True)]
    assert conn.identity.find_project('admin', ignore_missing=False).id == ADMIN_PROJECT
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=60)


def test_novaclient_on_a_keystoneauth_password_session(module_cloud):
    from novaclient import api_versions
    from novaclient import client as nova_client
    auth = v3.Password(auth_url=module_cloud.base + '/identity/v3', username='admin',
                       password='any', project_name='admin', user_domain_id='default',
                       project_domain_id='default')
    sess = ks_session.Session(auth=auth)
    assert sess.get_endpoint(service_type='compute', interface='public') == \
        module_cloud.base + '/v2.1'
    assert sess.get_project_id() == ADMIN_PROJECT
    version = api_versions.discover_version(nova_client.Client('2.1', session=sess),
                                            api_versions.APIVersion('2.latest'))
    nova = nova_client.Client(version.get_string(), session=sess)
    assert [h.hypervisor_hostname for h in nova.hypervisors.list()] == ['compute1']
    server = nova.servers.create('id-nc-vm', image=module_cloud.image_id, flavor='1',
                                 nics='none')
    wait_for(lambda: nova.servers.get(server.id).status == 'ACTIVE', 60, what='ACTIVE')
    assert nova.servers.get(server.id).tenant_id == ADMIN_PROJECT
    nova.servers.delete(server.id)
    wait_for(lambda: module_cloud.get_server(server.id).status == 404, 60, what='deleted')


def test_novalite_all_writes_a_clouds_yaml_that_shows_the_demo_server(tmp_path):
    """``make run``'s novalite-all --demo: the clouds.yaml it writes and
    prints works as is, and admin sees the demo server in project admin."""
    import signal
    from tests import cloud as cloud_mod
    from tests import services
    rabbit, delete_vhost = services.create_vhost()
    port = cloud_mod.free_port()
    conf = tmp_path / 'all.conf'
    conf.write_text('[DEFAULT]\ntransport_url = %s\nstate_path = %s\ncompute_driver = fake\n'
                    'osapi_compute_listen_port = %d\n' % (rabbit, tmp_path / 'state', port))
    log = tmp_path / 'all.log'
    with open(log, 'wb') as out:
        proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), 'novalite-all'),
                                 '--config-file', str(conf), '--demo'], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        line = wait_for(lambda: [ln for ln in log.read_text().splitlines()
                                 if 'OS_CLIENT_CONFIG_FILE=' in ln], 120,
                        what='novalite-all to print how to use clouds.yaml')[0]
        path = line.split('OS_CLIENT_CONFIG_FILE=')[1].split()[0]
        assert path == str(tmp_path / 'state' / 'clouds.yaml')
        assert 'auth_url: http://127.0.0.1:%d/identity/v3' % port in open(path).read()
        res = subprocess.run([OPENSTACK, '--os-cloud', 'novalite', 'server', 'list', '-f',
                              'json'], capture_output=True, text=True, timeout=120,
                             env=dict(os.environ, OS_CLIENT_CONFIG_FILE=path,
                                      HOME=str(tmp_path)))
        assert res.returncode == 0, res.stderr
        assert [(s['Name'], s['Status']) for s in json.loads(res.stdout)] == [('demo', 'ACTIVE')]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        delete_vhost()


def test_cli_network_commands_find_the_network_service_in_the_catalog(osc):
    net = osc('novalite', 'network', 'create', '-f', 'json', 'id-net')
    assert net['project_id'] == ADMIN_PROJECT
    subnet = osc('novalite', 'subnet', 'create', '--network', 'id-net', '--subnet-range',
                 '10.77.0.0/24', '-f', 'json', 'id-subnet')
    assert subnet['cidr'] == '10.77.0.0/24'
    port = osc('novalite', 'port', 'create', '--network', 'id-net', '-f', 'json', 'id-port')
    assert port['fixed_ips'][0]['ip_address'].startswith('10.77.0.')
    assert 'id-net' in [n['Name'] for n in osc('novalite', 'network', 'list', '-f', 'json')]
    # a member sees its own networks, not admin's private one
    mine = osc('novalite-member', 'network', 'create', '-f', 'json', 'id-member-net')
    assert mine['project_id'] == DEMO_PROJECT
    seen = [n['Name'] for n in osc('novalite-member', 'network', 'list', '-f', 'json')]
    assert 'id-member-net' in seen and 'id-net' not in seen
