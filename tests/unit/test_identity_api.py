"""The embedded Keystone v3 subset (/identity) in process: what the
``openstack`` CLI, openstacksdk, keystoneauth, gophercloud and Terraform's
provider send, Keystone's bodies and error envelope, and noauth2's rules."""
import json

import hypothesis
from hypothesis import strategies as st
import pytest
import webob
from oslo_config import cfg

import novalite.conf  # noqa: F401
from novalite.api.identity import app as identity_app
from novalite.api.identity import resources
from tests import keystone_schemas

CONF = cfg.CONF
ROOT = 'http://127.0.0.1:8774'
V3 = ROOT + '/identity/v3'
SERVICES = [('compute', 'nova', '/v2.1'), ('image', 'glance', '/image'),
            ('network', 'neutron', '/network'), ('identity', 'keystone', '/identity')]
ADMIN_PROJECT = '61646d696e'          # hex of "admin"
DEMO_PROJECT = '64656d6f'             # hex of "demo"
APP = identity_app.IdentityApp(lambda: SERVICES)


class Resp:
    def __init__(self, resp):
        self.status, self.headers = resp.status_int, resp.headers
        self.json = json.loads(resp.body) if resp.body else None


def call(method, path, body=None, token=None, headers=None, raw=None):
    req = webob.Request.blank(path, method=method, base_url=ROOT + '/identity')
    if token is not None:
        req.headers['X-Auth-Token'] = token
    req.headers.update(headers or {})
    if body is not None or raw is not None:
        req.body = raw if raw is not None else json.dumps(body).encode()
        req.content_type = 'application/json'
    return Resp(req.get_response(APP))


def password(user, scope=None, user_domain={'name': 'Default'}):
    user_ref = dict(user, password='anything')
    if 'name' in user:
        user_ref['domain'] = user_domain
    auth = {'identity': {'methods': ['password'], 'password': {'user': user_ref}}}
    if scope is not None:
        auth['scope'] = scope
    return {'auth': auth}


def issue(body, query=''):
    resp = call('POST', '/v3/auth/tokens' + query, body, headers={'X-Auth-Token': ''})
    assert resp.status == 201, resp.json
    assert resp.headers['Content-Type'].startswith('application/json')
    return resp.headers['X-Subject-Token'], resp.json['token']


def envelope(resp, code, title, message=None):
    assert resp.status == code
    assert set(resp.json) == {'error'}
    error = resp.json['error']
    assert (error['code'], error['title']) == (code, title)
    if message is not None:
        assert error['message'] == message
    return error


# -- version discovery ---------------------------------------------------------------
VERSION = {'id': 'v3.14', 'status': 'stable', 'updated': '2020-04-07T00:00:00Z',
           'links': [{'rel': 'self', 'href': V3 + '/'}],
           'media-types': [{'base': 'application/json',
                            'type': 'application/vnd.openstack.identity-v3+json'}]}


@pytest.mark.parametrize('path', ['', '/'])
def test_versions_are_keystones_multiple_choices(path):
    resp = call('GET', path)
    assert resp.status == 300
    assert resp.json == {'versions': {'values': [VERSION]}}
    assert resp.headers['Location'] == V3 + '/'


@pytest.mark.parametrize('path', ['/v3', '/v3/'])
def test_v3_version_document(path):
    resp = call('GET', path)
    assert (resp.status, resp.json) == (200, {'version': VERSION})


def test_public_endpoint_option_moves_links_and_catalog():
    CONF.set_override('public_endpoint', 'https://cloud.example.com/compute', 'api')
    try:
        assert call('GET', '/v3').json['version']['links'][0]['href'] == \
            'https://cloud.example.com/compute/identity/v3/'
        _tok, token = issue(password({'name': 'admin'}))
        CONF.set_override('internal_endpoint', 'http://10.0.0.5:8774', 'api')
        _tok, token2 = issue(password({'name': 'admin'}))
    finally:
        CONF.clear_override('public_endpoint', 'api')
        CONF.clear_override('internal_endpoint', 'api')

    def urls(token):
        return {(s['type'], e['interface']): e['url']
                for s in token['catalog'] for e in s['endpoints']}
    assert urls(token)[('compute', 'public')] == 'https://cloud.example.com/compute/v2.1'
    assert urls(token)[('image', 'internal')] == 'https://cloud.example.com/compute/image'
    assert urls(token2)[('compute', 'public')] == 'https://cloud.example.com/compute/v2.1'
    assert urls(token2)[('network', 'admin')] == 'http://10.0.0.5:8774/network'
    assert urls(token2)[('compute', 'internal')] == 'http://10.0.0.5:8774/v2.1'


# -- tokens --------------------------------------------------------------------------
def test_password_project_scoped_by_name_is_the_noauth2_token():
    tok, token = issue(password({'name': 'admin'}, {'project': {
        'name': 'admin', 'domain': {'name': 'Default'}}}))
    assert tok == 'admin:' + ADMIN_PROJECT        # what novalite-api's noauth2 takes
    assert token['methods'] == ['password']
    assert token['user'] == {'id': 'admin', 'name': 'admin', 'password_expires_at': None,
                             'domain': {'id': 'default', 'name': 'Default'}}
    assert token['project'] == {'id': ADMIN_PROJECT, 'name': 'admin',
                                'domain': {'id': 'default', 'name': 'Default'}}
    assert token['is_domain'] is False
    assert {r['name'] for r in token['roles']} == {'admin', 'member', 'reader'}
    assert len(token['audit_ids']) == 1 and len(token['audit_ids'][0]) == 22
    assert token['expires_at'] > token['issued_at']
    assert token['expires_at'].endswith('.000000Z')
    catalog = {s['type']: s for s in token['catalog']}
    assert set(catalog) == {'compute', 'image', 'network', 'identity'}
    for service_type, path in (('compute', '/v2.1'), ('image', '/image'),
                               ('network', '/network'), ('identity', '/identity')):
        endpoints = catalog[service_type]['endpoints']
        assert sorted(e['interface'] for e in endpoints) == ['admin', 'internal', 'public']
        for e in endpoints:
            assert (e['region'], e['region_id'], e['url']) == \
                ('RegionOne', 'RegionOne', ROOT + path)
    assert catalog['compute']['name'] == 'nova'


def test_same_name_same_hex_id_by_id_and_by_domain_id():
    tok1, t1 = issue(password({'name': 'demo'}, {'project': {'name': 'demo',
                                                            'domain': {'id': 'default'}}},
                              user_domain={'id': 'default'}))
    tok2, t2 = issue(password({'id': 'demo'}, {'project': {'id': DEMO_PROJECT}}))
    assert tok1 == tok2 == 'demo:' + DEMO_PROJECT
    assert t1['project'] == t2['project']
    assert {r['name'] for r in t2['roles']} == {'member', 'reader'}


def test_no_scope_gives_the_users_namesake_project_and_nocatalog_leaves_it_out():
    tok, token = issue(password({'name': 'demo'}), '?nocatalog')
    assert tok == 'demo:' + DEMO_PROJECT
    assert 'catalog' not in token and token['project']['name'] == 'demo'


def test_explicitly_unscoped_and_domain_scoped():
    tok, token = issue(password({'name': 'demo'}, 'unscoped'))
    assert tok == 'demo:'
    assert not {'project', 'roles', 'catalog', 'domain'} & set(token)
    tok, token = issue(password({'name': 'admin'}, {'domain': {'name': 'Default'}}))
    assert tok == 'admin:default'
    assert token['domain'] == {'id': 'default', 'name': 'Default'} and 'project' not in token
    # a domain-scoped token has no catalog for compute
    resp = call('GET', '/v3/auth/catalog', token=tok)
    envelope(resp, 403, 'Forbidden')


def test_token_method_rescopes_keeping_the_user():
    tok, _ = issue(password({'name': 'demo'}))
    new, token = issue({'auth': {'identity': {'methods': ['token'], 'token': {'id': tok}},
                                 'scope': {'project': {'id': ADMIN_PROJECT}}}})
    assert new == 'demo:' + ADMIN_PROJECT
    assert token['methods'] == ['token'] and token['user']['id'] == 'demo'
    assert token['audit_ids'][1] == resources.audit_id(tok)


def test_gophercloud_and_terraform_requests():
    # gophercloud: POST with an empty X-Auth-Token; Terraform adds Cache-Control
    resp = call('POST', '/v3/auth/tokens', password({'name': 'admin'}, {
        'project': {'name': 'admin', 'domain': {'id': 'default'}}}),
        headers={'X-Auth-Token': '', 'Cache-Control': 'no-cache'})
    assert resp.status == 201
    tok = resp.headers['X-Subject-Token']
    # tokens.Get: GET with X-Auth-Token + X-Subject-Token, 200/203
    got = call('GET', '/v3/auth/tokens', token=tok, headers={'X-Subject-Token': tok})
    assert got.status == 200 and got.headers['X-Subject-Token'] == tok
    assert got.json['token']['project'] == resp.json['token']['project']
    assert got.json['token']['catalog'] == resp.json['token']['catalog']
    # tokens.Validate: HEAD, 200/204 valid, 404 not
    head = call('HEAD', '/v3/auth/tokens', token=tok, headers={'X-Subject-Token': tok})
    assert head.status == 200 and head.json is None
    bad = call('HEAD', '/v3/auth/tokens', token=tok, headers={'X-Subject-Token': 'nope'})
    assert bad.status == 404


def test_validate_without_or_with_a_bad_caller_token():
    envelope(call('GET', '/v3/auth/tokens', headers={'X-Subject-Token': 'admin:61'}),
             401, 'Unauthorized', 'The request you have made requires authentication.')
    resp = call('GET', '/v3/auth/tokens', token='admin:61')
    envelope(resp, 404, 'Not Found', 'No token in the request')


# -- bad credentials bodies: Keystone's envelope, never a 500 -----------------------
_MISSING = (' The server could not comply with the request since it is either malformed '
            'or otherwise incorrect. The client is assumed to be in error.')
ID = {'methods': ['password'], 'password': {'user': {'name': 'admin', 'password': 'x',
                                                     'domain': {'id': 'default'}}}}


@pytest.mark.parametrize('body, code, message', [
    ({}, 400, 'Expecting to find auth in request body.' + _MISSING),
    ([], 400, 'Expecting to find auth in request body.' + _MISSING),
    ({'auth': {}}, 400, "'identity' is a required property"),
    ({'auth': {'identity': {}}}, 400,
     "Invalid input for field 'identity': 'methods' is a required property"),
    ({'auth': {'identity': {'methods': 'password'}}}, 400,
     "Invalid input for field 'identity/methods': 'password' is not of type 'array'"),
    ({'auth': {'identity': {'methods': ['password']}}}, 400,
     'Expecting to find password in identity.' + _MISSING),
    ({'auth': {'identity': {'methods': ['password'], 'password': {'user': {'password': 'x'}}}}},
     400, 'Invalid input for field identity/password/user: id or name must be present.'),
    ({'auth': {'identity': {'methods': ['password'],
                            'password': {'user': {'name': 'admin', 'password': 'x'}}}}},
     400, 'Expecting to find domain in user.' + _MISSING),
    ({'auth': {'identity': ID, 'scope': {'project': {'name': 'admin'}}}}, 400,
     'Expecting to find domain in project.' + _MISSING),
    ({'auth': {'identity': ID, 'scope': {'project': {}}}}, 400,
     'Invalid input for field scope/project: id or name must be present.'),
    ({'auth': {'identity': ID, 'scope': 7}}, 400, None),
    ({'auth': {'identity': {'methods': ['totp'], 'totp': {}}}}, 401,
     'Attempted to authenticate with an unsupported method.'),
    ({'auth': {'identity': {'methods': ['application_credential'],
                            'application_credential': {'id': 'x', 'secret': 'y'}}}}, 401,
     'Attempted to authenticate with an unsupported method.'),
    # unknown project, domain, user; no password
    ({'auth': {'identity': ID, 'scope': {'project': {'id': 'nope'}}}}, 401, None),
    ({'auth': {'identity': ID, 'scope': {'project': {'id': 'cafe'}}}}, 401, None),
    ({'auth': {'identity': ID, 'scope': {'project': {'name': 'x' * 65,
                                                     'domain': {'id': 'default'}}}}}, 401, None),
    ({'auth': {'identity': ID, 'scope': {'project': {'name': 'a',
                                                     'domain': {'name': 'Other'}}}}}, 401, None),
    ({'auth': {'identity': ID, 'scope': {'domain': {'id': 'other'}}}}, 401, None),
    ({'auth': {'identity': ID, 'scope': {'system': {'all': True}}}}, 401, None),
    ({'auth': {'identity': ID, 'scope': {'OS-TRUST:trust': {'id': 't'}}}}, 401, None),
    ({'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': 'a:b', 'password': 'x', 'domain': {'id': 'default'}}}}}}, 401, None),
    ({'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': '', 'password': 'x', 'domain': {'id': 'default'}}}}}}, 401, None),
    ({'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': 'admin', 'password': 'x', 'domain': {'name': 'Nope'}}}}}}, 401, None),
    ({'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'id': 'admin'}}}}}, 401, None),
    ({'auth': {'identity': {'methods': ['token'], 'token': {'id': 'garbage'}}}}, 404,
     'Could not find token: garbage.'),
    ({'auth': {'identity': {'methods': ['password', 'token'], 'token': {'id': 'demo:'},
                            'password': ID['password']}}}, 401, None),
])
def test_bad_credentials_get_keystones_envelope(body, code, message):
    resp = call('POST', '/v3/auth/tokens', body)
    title = {400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found'}[code]
    assert resp.status == code, resp.json
    error = resp.json['error']
    assert (error['code'], error['title']) == (code, title)
    if message is not None:
        assert error['message'] == message
    if code == 401:
        assert resp.headers['WWW-Authenticate'] == 'Keystone uri="%s"' % V3
    assert 'X-Subject-Token' not in resp.headers


def test_not_json_and_unknown_routes():
    envelope(call('POST', '/v3/auth/tokens', raw=b'{nope'), 400, 'Bad Request',
             'Expecting to find valid JSON in request body.' + _MISSING)
    envelope(call('GET', '/v3/nothing', token='admin:61'), 404, 'Not Found')
    envelope(call('PUT', '/v3/auth/tokens', {}, token='admin:61'), 405, 'Method Not Allowed')


# -- the reads after login, with Keystone's own response schemas --------------------
ADMIN = 'admin:' + ADMIN_PROJECT
DEMO = 'demo:' + DEMO_PROJECT


def test_auth_catalog_and_projects():
    _tok, token = issue(password({'name': 'admin'}))
    resp = call('GET', '/v3/auth/catalog', token=ADMIN)
    assert resp.status == 200 and resp.json['catalog'] == token['catalog']
    resp = call('GET', '/v3/auth/projects', token='demo:')     # unscoped may ask
    keystone_schemas.check('project_index', resp.json)
    assert [p['id'] for p in resp.json['projects']] == [DEMO_PROJECT]


def test_project_reads():
    resp = call('GET', '/v3/projects/' + DEMO_PROJECT, token=DEMO)
    keystone_schemas.check('project_get', resp.json)
    assert resp.json['project']['name'] == 'demo'
    assert resp.json['project']['links']['self'] == V3 + '/projects/' + DEMO_PROJECT
    # what osc-lib's find_project does with a name: by id (404), then ?name=
    envelope(call('GET', '/v3/projects/demo', token=ADMIN), 404, 'Not Found',
             'Could not find project: demo.')
    resp = call('GET', '/v3/projects?name=demo', token=ADMIN)
    keystone_schemas.check('project_index', resp.json)
    assert [p['id'] for p in resp.json['projects']] == [DEMO_PROJECT]
    # a member reads only its own project, lists none
    envelope(call('GET', '/v3/projects/' + ADMIN_PROJECT, token=DEMO), 403, 'Forbidden')
    envelope(call('GET', '/v3/projects', token=DEMO), 403, 'Forbidden')


def test_user_domain_role_reads():
    resp = call('GET', '/v3/users/demo', token=DEMO)
    keystone_schemas.check('user_get', resp.json)
    assert resp.json['user']['default_project_id'] == DEMO_PROJECT
    envelope(call('GET', '/v3/users/admin', token=DEMO), 403, 'Forbidden')
    keystone_schemas.check('user_index', call('GET', '/v3/users?name=demo', token=ADMIN).json)
    resp = call('GET', '/v3/users/demo/projects', token=DEMO)
    keystone_schemas.check('project_index', resp.json)
    resp = call('GET', '/v3/domains/default', token=DEMO)
    keystone_schemas.check('domain_get', resp.json)
    assert resp.json['domain']['name'] == 'Default'
    keystone_schemas.check('domain_index', call('GET', '/v3/domains?name=Default',
                                                token=DEMO).json)
    envelope(call('GET', '/v3/domains/other', token=DEMO), 404, 'Not Found')
    keystone_schemas.check('role_index', call('GET', '/v3/roles', token=ADMIN).json)
    resp = call('GET', '/v3/role_assignments?user.id=admin&include_names=True', token=ADMIN)
    keystone_schemas.check('role_assignment_index', resp.json)
    assert sorted(a['role']['name'] for a in resp.json['role_assignments']) == \
        ['admin', 'member', 'reader']


@pytest.mark.parametrize('token', [None, '', 'admin', ':' + ADMIN_PROJECT, 'admin:xyz',
                                   'admin:' + 'f' * 256])
def test_reads_need_a_noauth2_token(token):
    envelope(call('GET', '/v3/auth/projects', token=token), 401, 'Unauthorized')


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3) |
                     st.dictionaries(st.sampled_from(['id', 'name', 'domain', 'password',
                                                      'user', 'methods', 'token', 'project',
                                                      'scope', 'identity', 'x']),
                                     inner, max_size=4), max_leaves=12)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(identity=_JSON, scope=_JSON)
def test_hostile_token_bodies_never_500(identity, scope):
    body = {'auth': {'identity': identity, 'scope': scope}}
    if isinstance(identity, dict):
        identity.setdefault('methods', ['password'])
    resp = call('POST', '/v3/auth/tokens', body)
    assert resp.status in (201, 400, 401, 404), resp.json
    if resp.status != 201:
        assert set(resp.json['error']) >= {'code', 'message', 'title'}


def test_deeply_nested_body_is_a_400():
    envelope(call('POST', '/v3/auth/tokens', raw=b'[' * 100000 + b']' * 100000), 400,
             'Bad Request')
