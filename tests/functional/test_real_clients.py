"""The real clients against a running novalite, unmodified: python-novaclient's
Python API (version negotiation to 2.latest), openstacksdk's cloud layer, and
the ``openstack`` CLI through a clouds.yaml with ``auth_type: none``
(clients.md §1.1): compute and image endpoint overrides point at novalite-api.
"""
import json
import os
import subprocess
import sys

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

from tests.cloud import ADMIN_TOKEN, wait_for

pytestmark = pytest.mark.xdist_group('real_clients')

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')


def test_novaclient_negotiates_and_boots(module_cloud):
    from novaclient import api_versions
    from novaclient import client as nova_client
    cloud = module_cloud
    sess = ks_session.Session(auth=token_endpoint.Token(cloud.base + '/v2.1', ADMIN_TOKEN))
    version = api_versions.discover_version(nova_client.Client('2.1', session=sess),
                                            api_versions.APIVersion('2.latest'))
    assert str(version.get_string()) == '2.96'     # min(novalite 2.100, novaclient 2.96)
    nova = nova_client.Client(version.get_string(), session=sess)
    assert {f.name for f in nova.flavors.list()} >= {'m1.tiny', 'm1.medium'}
    server = nova.servers.create('nc-vm', image=cloud.image_id, flavor='1', nics='none')
    wait_for(lambda: nova.servers.get(server.id).status == 'ACTIVE', 60, what='ACTIVE')
    shown = nova.servers.get(server.id)
    assert shown.flavor['original_name'] == 'm1.tiny'      # 2.47+ embedded flavor
    assert server.id in [s.id for s in nova.servers.list(search_opts={'name': '^nc-vm$'})]
    nova.servers.delete(server.id)
    wait_for(lambda: cloud.get_server(server.id).status == 404, 60, what='deleted')


def test_openstacksdk_create_wait_list_get_delete(module_cloud):
    import openstack
    cloud = module_cloud
    conn = openstack.connect(auth_type='none', auth={'endpoint': cloud.base + '/v2.1'},
                             compute_endpoint_override=cloud.base + '/v2.1',
                             image_endpoint_override=cloud.base + '/image',
                             identity_api_version='3')
    # no network given: the SDK sends networks "auto" at 2.37+ (the server max)
    server = conn.create_server('sdk-vm', image='test-image', flavor='m1.tiny',
                                wait=True, timeout=60)
    assert server.status == 'ACTIVE'
    assert server.id in [s.id for s in conn.list_servers()]
    assert conn.get_server(server.id).name == 'sdk-vm'
    assert conn.delete_server(server.id, wait=True, timeout=60)
    assert conn.get_server(server.id) is None


@pytest.fixture(scope='module')
def osc(module_cloud, tmp_path_factory):
    """Run the ``openstack`` CLI against the module cloud; returns parsed JSON."""
    home = tmp_path_factory.mktemp('osc')
    base = module_cloud.base
    (home / 'clouds.yaml').write_text(json.dumps({'clouds': {'novalite': {
        'auth_type': 'none', 'auth': {'endpoint': base + '/v2.1'},
        'compute_endpoint_override': base + '/v2.1',
        'image_endpoint_override': base + '/image',
        'identity_api_version': 3}}}))
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(home / 'clouds.yaml'), HOME=str(home))

    def run(*args, ok=True):
        res = subprocess.run([OPENSTACK, '--os-cloud', 'novalite'] + list(args),
                             capture_output=True, text=True, env=env, timeout=180)
        if ok:
            assert res.returncode == 0, res.stdout + res.stderr
            return json.loads(res.stdout) if '-f' in args and res.stdout.strip() else res.stdout
        return res
    return run


def test_openstack_cli_server_lifecycle(module_cloud, osc):
    flavors = osc('flavor', 'list', '-f', 'json')
    assert {'m1.tiny', 'm1.medium'} <= {f['Name'] for f in flavors}
    server = osc('server', 'create', '--image', 'test-image', '--flavor', 'm1.tiny',
                 '--wait', '-f', 'json', 'cli-vm')
    assert server['status'] == 'ACTIVE' and server['name'] == 'cli-vm'
    listed = osc('server', 'list', '-f', 'json')
    assert [s['Status'] for s in listed if s['ID'] == server['id']] == ['ACTIVE']
    shown = osc('server', 'show', '-f', 'json', 'cli-vm')
    assert shown['id'] == server['id']
    osc('server', 'delete', '--wait', 'cli-vm')
    assert module_cloud.get_server(server['id']).status == 404
    missing = osc('server', 'show', 'cli-vm', ok=False)
    assert missing.returncode != 0 and 'No Server found' in missing.stderr


def test_openstack_cli_keypair_create(osc, tmp_path):
    key = osc('keypair', 'create', '-f', 'json', 'cli-key', '--private-key',
              str(tmp_path / 'cli-key.pem'))
    assert key['name'] == 'cli-key' and key['fingerprint']
    assert 'cli-key' in [k['Name'] for k in osc('keypair', 'list', '-f', 'json')]
    osc('keypair', 'delete', 'cli-key')
