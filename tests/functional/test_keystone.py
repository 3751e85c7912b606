"""auth_strategy = keystone against a real Keystone (tests/keystone.py):
keystonemiddleware validates real fernet tokens, the context comes from its
headers, and the real ``openstack`` CLI drives novalite through Keystone's
catalog."""
import json
import os
import subprocess
import sys
import types

import pytest

from tests import cloud as cloud_mod
from tests import keystone as ks_mod
from tests import tempest_schemas

pytestmark = pytest.mark.xdist_group('test_keystone')

PASSWORD = 'secret-pw'
UNAUTHORIZED = {'error': {'code': 401, 'title': 'Unauthorized',
                          'message': 'The request you have made requires authentication.'}}


class User:
    def __init__(self, keystone, name, project_name):
        self.name, self.project_name = name, project_name
        self.project_id = keystone.create_project(project_name)
        self.user_id = keystone.create_user(name, PASSWORD, self.project_id)
        self.token = keystone.session(name, PASSWORD, project_name).get_token()


@pytest.fixture(scope='module')
def keystone(tmp_path_factory):
    ks = ks_mod.Keystone(tmp_path_factory.mktemp('keystone'))
    try:
        yield ks.start()
    finally:
        ks.stop()


@pytest.fixture(scope='module')
def users(keystone):
    admin = keystone.admin
    return {'alice': User(keystone, 'alice', 'project-a'),
            'bob': User(keystone, 'bob', 'project-b'),
            'admin': types.SimpleNamespace(token=admin.get_token(),
                                           project_id=admin.get_project_id())}


@pytest.fixture(scope='module')
def kcloud(tmp_path_factory, keystone):
    with cloud_mod.private_cloud(tmp_path_factory.mktemp('kcloud'),
                                 extra_conf=keystone.authtoken_conf()) as cloud:
        keystone.register_compute(cloud.base + '/v2.1')
        yield cloud.start().seed_catalog()


@pytest.fixture(scope='module')
def alice_server(kcloud, users):
    alice = users['alice']
    resp = kcloud.request('POST', '/v2.1/%s/servers' % alice.project_id,
                          {'server': {'name': 'k1', 'imageRef': kcloud.image_id,
                                      'flavorRef': '1', 'networks': 'none'}},
                          token=alice.token)
    assert resp.status == 202, resp.raw
    return resp.json['server']['id']


def _server_path(user, suffix=''):
    return '/v2.1/%s/servers%s' % (user.project_id, suffix)


def test_keystone_token_boots_and_shows_a_server(kcloud, users, alice_server):
    alice = users['alice']
    headers = {'X-OpenStack-Nova-API-Version': '2.1'}
    cloud_mod.wait_for(lambda: kcloud.request(
        'GET', _server_path(alice, '/' + alice_server), token=alice.token,
        headers=headers).json['server']['status'] == 'ACTIVE', 30, what='ACTIVE')
    resp = kcloud.request('GET', _server_path(alice, '/' + alice_server), token=alice.token,
                          headers=headers)
    assert resp.status == 200, resp.raw
    tempest_schemas.check('servers_client.ServersClient', 'get_server', '2.1', resp)
    server = resp.json['server']
    # the context came from Keystone's token: its user and project own the server
    assert (server['tenant_id'], server['user_id']) == (alice.project_id, alice.user_id)
    # admin-only attributes are hidden from a member ...
    assert not [k for k in server if k.startswith('OS-EXT-SRV-ATTR:')]
    # ... and shown to Keystone's admin, from the admin project
    admin = users['admin']
    resp = kcloud.request('GET', _server_path(admin, '/' + alice_server), token=admin.token,
                          headers=headers)
    assert resp.status == 200, resp.raw
    tempest_schemas.check('servers_client.ServersClient', 'get_server', '2.1', resp)
    assert resp.json['server']['OS-EXT-SRV-ATTR:host'] == 'compute1'


@pytest.mark.parametrize('token', ['not-a-token', None])
def test_bad_or_missing_token_is_401(kcloud, keystone, users, token):
    resp = kcloud.request('GET', _server_path(users['alice']), token=token)
    assert resp.status == 401
    assert resp.json == UNAUTHORIZED
    assert resp.headers['WWW-Authenticate'] == 'Keystone uri="%s"' % keystone.url
    assert resp.headers['x-openstack-request-id'].startswith('req-')


def test_url_project_must_be_the_tokens(kcloud, users):
    alice, bob = users['alice'], users['bob']
    resp = kcloud.request('GET', _server_path(bob), token=alice.token)
    assert resp.status == 400
    assert resp.json == {'badRequest': {'code': 400, 'message': (
        "Malformed request URL: URL's project_id '%s' doesn't match Context's "
        "project_id '%s'" % (bob.project_id, alice.project_id))}}
    # Nova's routes only take [0-9a-f-]+ as a project id
    resp = kcloud.request('GET', '/v2.1/project_a/servers', token=alice.token)
    assert resp.status == 404
    assert resp.json['itemNotFound']['code'] == 404


def test_other_projects_server_is_not_found(kcloud, users, alice_server):
    bob = users['bob']
    for method in ('GET', 'DELETE'):
        resp = kcloud.request(method, _server_path(bob, '/' + alice_server), token=bob.token)
        assert resp.status == 404, resp.raw
        assert resp.json == {'itemNotFound': {
            'code': 404, 'message': 'Instance %s could not be found.' % alice_server}}
    servers = kcloud.request('GET', _server_path(bob), token=bob.token).json['servers']
    assert alice_server not in [s['id'] for s in servers]
    resp = kcloud.request('GET', _server_path(bob) + '?all_tenants=1', token=bob.token)
    assert resp.status == 403
    assert resp.json['forbidden']['message'] == (
        "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.")


def test_forced_host_is_admin_only(kcloud, users):
    alice = users['alice']
    before = kcloud.row_counts()
    resp = kcloud.request('POST', _server_path(alice),
                          {'server': {'name': 'forced', 'imageRef': kcloud.image_id,
                                      'flavorRef': '1', 'networks': 'none',
                                      'availability_zone': 'nova:compute1'}},
                          token=alice.token)
    assert resp.status == 403, resp.raw
    assert resp.json == {'forbidden': {'code': 403, 'message': (
        "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.")}}
    assert kcloud.row_counts() == before


# -- the real openstack CLI -----------------------------------------------------
def _openstack(kcloud, keystone, tmp_path, password, *args):
    clouds = {'clouds': {'alice': {
        'auth': {'auth_url': keystone.url, 'username': 'alice', 'password': password,
                 'project_name': 'project-a', 'user_domain_name': 'Default',
                 'project_domain_name': 'Default'},
        'region_name': 'RegionOne', 'identity_api_version': 3}}}
    path = tmp_path / 'clouds.yaml'
    path.write_text(json.dumps(clouds))     # YAML is a superset of JSON
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(path))
    env = {k: v for k, v in env.items() if not k.startswith('OS_') or k == 'OS_CLIENT_CONFIG_FILE'}
    cli = os.path.join(os.path.dirname(sys.executable), 'openstack')
    return subprocess.run([cli, '--os-cloud', 'alice'] + list(args), capture_output=True,
                          text=True, env=env, timeout=120)


def test_openstack_cli_through_keystone_catalog(kcloud, keystone, users, alice_server,
                                                tmp_path):
    res = _openstack(kcloud, keystone, tmp_path, PASSWORD, 'server', 'list', '-f', 'json')
    assert res.returncode == 0, res.stdout + res.stderr
    assert alice_server in [s['ID'] for s in json.loads(res.stdout)]
    res = _openstack(kcloud, keystone, tmp_path, PASSWORD, 'flavor', 'list', '-f', 'json')
    assert res.returncode == 0, res.stdout + res.stderr
    assert {'m1.tiny', 'm1.medium'} <= {f['Name'] for f in json.loads(res.stdout)}


def test_openstack_cli_wrong_password_fails(kcloud, keystone, tmp_path):
    res = _openstack(kcloud, keystone, tmp_path, 'wrong', 'server', 'list')
    assert res.returncode != 0
    assert 'HTTP 401' in res.stderr, res.stderr


def test_network_service_through_keystone(kcloud, keystone, users):
    """/network takes the same Keystone contexts: a member's network and port
    are the member's; a user with the ``service`` role (as novalite-compute
    may run) binds the port; the member may not."""
    alice, bob = users['alice'], users['bob']
    if not keystone.admin.get(keystone.url + '/roles', params={'name': 'service'}).json()[
            'roles']:
        keystone._post('/roles', {'role': {'name': 'service'}})
    project = keystone.create_project('service-net')
    keystone.create_user('compute-svc', PASSWORD, project, role='service')
    service = keystone.session('compute-svc', PASSWORD, 'service-net').get_token()

    def net(method, path, body=None, token=alice.token):
        return kcloud.request(method, '/network/v2.0' + path, body, token=token)
    network = net('POST', '/networks', {'network': {'name': 'k-net'}}).json['network']
    assert network['project_id'] == alice.project_id
    assert net('POST', '/subnets', {'subnet': {'network_id': network['id'], 'ip_version': 4,
                                               'cidr': '10.60.0.0/24'}}).status == 201
    port = net('POST', '/ports', {'port': {'network_id': network['id']}}).json['port']
    assert net('GET', '/ports/' + port['id'], token=bob.token).status == 404
    bind = {'port': {'binding:host_id': 'compute1', 'device_id': 'vm'}}
    assert net('PUT', '/ports/' + port['id'], bind).status == 403
    r = net('PUT', '/ports/' + port['id'], bind, token=service)
    assert r.status == 200, r.raw
    assert r.json['port']['binding:vif_type'] == 'bridge'
    assert kcloud.request('GET', '/network/v2.0/networks', token=None).status == 401


# -- the embedded identity endpoint is noauth2's only -------------------------------
def test_identity_endpoint_is_not_served_in_keystone_mode(kcloud):
    resp = kcloud.request('GET', '/identity/v3', token=None)
    assert resp.status == 300 and list(resp.json) == ['choices']    # Nova's, not Keystone's
    resp = kcloud.request('POST', '/identity/v3/auth/tokens', {'auth': {}}, token=None)
    assert resp.status != 201 and 'X-Subject-Token' not in resp.headers


def _shape(value):
    """The structure of a JSON value: keys and types, lists by their first item."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _keystone_call(keystone, method, path, body=None, headers=None):
    resp = keystone.admin.request(keystone.url[:-len('/v3')] + path, method, json=body,
                                  headers=headers, authenticated=False, raise_exc=False)
    return resp.status_code, resp.headers, resp.json() if resp.content else None


def _embedded_call(method, path, body=None, headers=None):
    import webob
    import novalite.conf  # noqa: F401
    from novalite.api.identity import app as identity_app
    app = identity_app.IdentityApp(lambda: [('compute', 'nova', '/v2.1'),
                                            ('identity', 'keystone', '/identity')])
    req = webob.Request.blank(path, method=method, base_url='http://127.0.0.1:8774/identity',
                              headers=headers or {})
    if body is not None:
        req.body, req.content_type = json.dumps(body).encode(), 'application/json'
    resp = req.get_response(app)
    return resp.status_int, resp.headers, json.loads(resp.body) if resp.body else None


def _password_body(password, scope=True):
    auth = {'identity': {'methods': ['password'], 'password': {'user': {
        'name': 'admin', 'domain': {'name': 'Default'}, 'password': password}}}}
    if scope:
        auth['scope'] = {'project': {'name': 'admin', 'domain': {'id': 'default'}}}
    return {'auth': auth}


def test_embedded_identity_bodies_have_keystones_shape(keystone):
    """The same requests to the real Keystone and to /identity: same status,
    same body structure (keys and types), same error messages."""
    ks = {'versions': _keystone_call(keystone, 'GET', '/'),
          'version': _keystone_call(keystone, 'GET', '/v3'),
          'token': _keystone_call(keystone, 'POST', '/v3/auth/tokens',
                                  _password_body(ks_mod.ADMIN_PASSWORD))}
    ours = {'versions': _embedded_call('GET', '/'), 'version': _embedded_call('GET', '/v3'),
            'token': _embedded_call('POST', '/v3/auth/tokens', _password_body('x'))}
    for name, tok in (('ks', ks['token'][1]['X-Subject-Token']),
                      ('ours', ours['token'][1]['X-Subject-Token'])):
        headers = {'X-Auth-Token': tok, 'X-Subject-Token': tok}
        target = ks if name == 'ks' else ours
        for query in ('', '?nocatalog'):
            target['validate' + query] = (
                _keystone_call(keystone, 'GET', '/v3/auth/tokens' + query, headers=headers)
                if name == 'ks' else _embedded_call('GET', '/v3/auth/tokens' + query,
                                                    headers=headers))
        target['catalog'] = (_keystone_call(keystone, 'GET', '/v3/auth/catalog', headers=headers)
                             if name == 'ks' else _embedded_call('GET', '/v3/auth/catalog',
                                                                 headers=headers))
    for key in ks:
        assert ks[key][0] == ours[key][0], key
        assert _shape(ks[key][2]) == _shape(ours[key][2]), key
    assert ks['version'][2]['version']['id'] == ours['version'][2]['version']['id']
    assert ks['version'][2]['version']['media-types'] == \
        ours['version'][2]['version']['media-types']
    bad_bodies = [
        {}, {'auth': {'identity': {'methods': 'password'}}},
        {'auth': {'identity': {'methods': ['password']}}},
        {'auth': {'identity': {'methods': ['password'], 'password': {'user': {'password': 'x'}}}}},
        {'auth': {'identity': {'methods': ['password'],
                               'password': {'user': {'name': 'admin', 'password': 'x'}}}}},
        dict(_password_body(ks_mod.ADMIN_PASSWORD, scope=False)['auth'],
             scope={'project': {'name': 'admin'}}),
        dict(_password_body(ks_mod.ADMIN_PASSWORD, scope=False)['auth'],
             scope={'project': {'id': 'nope'}}),
    ]
    for body in bad_bodies:
        body = body if not body or 'auth' in body else {'auth': body}
        status, _h, theirs = _keystone_call(keystone, 'POST', '/v3/auth/tokens', body)
        status2, _h2, mine = _embedded_call('POST', '/v3/auth/tokens', body)
        assert (status, set(theirs['error'])) == (status2, set(mine['error'])), body
        # Keystone appends jsonschema's schema dump to schema errors: compare the first line
        assert theirs['error']['message'].split('\n')[0] == mine['error']['message'], body
