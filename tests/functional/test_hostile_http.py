"""Hostile HTTP input (issue 10): every case answers 4xx with Nova's fault
body and writes nothing; a backtracking regex costs no time."""
import http.client
import json
import time

import pytest

from tests.cloud import ADMIN_TOKEN, PROJECT

pytestmark = pytest.mark.xdist_group('hostile_http')

V21 = '/v2.1/%s' % PROJECT
DEEP = '[' * 10000 + ']' * 10000


def _server(cloud, **extra):
    body = {'name': 'h', 'imageRef': cloud.image_id, 'flavorRef': '1', 'networks': 'none'}
    body.update(extra)
    return {'server': body}


def _refused(cloud, r, status=400):
    assert r.status == status, (r.status, r.raw[:300])
    if r.json is not None and status != 413:
        fault = next(iter(r.json.values()))
        assert fault['code'] == status and 'Traceback' not in fault['message']
    return r


@pytest.fixture(scope='module')
def server_id(module_cloud):
    r = module_cloud.boot('victim')
    sid = r.json['server']['id']
    module_cloud.wait_status(sid)
    return sid


def test_json_nested_deep(module_cloud, server_id):
    c = module_cloud
    before = c.row_counts()
    raw = ('{"server": {"name": "x", "metadata": %s}}' % DEEP).encode()
    _refused(c, c.request('POST', V21 + '/servers', raw=raw))
    _refused(c, c.request('PUT', V21 + '/servers/' + server_id, raw=raw))
    r = c.request('POST', '/image/v2/images', raw=('{"name": %s}' % DEEP).encode())
    assert r.status == 400, r.raw[:200]
    assert c.row_counts() == before


@pytest.mark.parametrize('extra', [
    {'min_count': '0'}, {'max_count': '0'}, {'min_count': ''}, {'min_count': 'x'},
    {'min_count': 3, 'max_count': '2'}, {'name': '\ud800'}, {'metadata': {'\udfff': 'x'}}])
def test_types_and_unicode(module_cloud, extra):
    c = module_cloud
    before = c.row_counts()
    raw = json.dumps(_server(c, **extra)).encode()          # \ud800 stays escaped
    _refused(c, c.request('POST', V21 + '/servers', raw=raw))
    assert c.row_counts() == before


def test_legacy_names_and_size(module_cloud):
    c = module_cloud
    before = c.row_counts()
    _refused(c, c.request('POST', '/v2/%s/servers' % PROJECT, _server(c, name='   ')))
    # a 10 MB legacy create: refused from its Content-Length, body unread
    conn = http.client.HTTPConnection('127.0.0.1', c.port, timeout=30)
    conn.putrequest('POST', '/v2/%s/servers' % PROJECT)
    for k, v in (('X-Auth-Token', ADMIN_TOKEN), ('Content-Type', 'application/json'),
                 ('Content-Length', str(10 * 1024 * 1024))):
        conn.putheader(k, v)
    conn.endheaders(b'{"server": {"name": "' + b'x' * 65536)
    r = conn.getresponse()
    assert r.status == 413 and b'Request is too large.' in r.read()
    conn.close()
    # just over the limit (Nova's 114688 bytes)
    over = _server(c, user_data='QUJD' * (114688 // 4))
    r = c.request('POST', '/v2/%s/servers' % PROJECT, over)
    assert r.status == 413, r.raw[:200]
    assert c.row_counts() == before


@pytest.mark.parametrize('flavor', [
    {'ram': ''}, {'ram': '0'}, {'ram': 0}, {'ram': 2 ** 40}, {'ram': '99999999999'},
    {'vcpus': '1e3'}, {'disk': -1}, {'swap': '-1'}, {'rxtx_factor': ''},
    {'OS-FLV-EXT-DATA:ephemeral': 2 ** 31}])
def test_admin_flavor_bodies(module_cloud, flavor):
    c = module_cloud
    body = {'name': 'f-%s' % abs(hash(json.dumps(flavor))), 'ram': 64, 'vcpus': 1, 'disk': 0}
    body.update(flavor)
    before = c.query('SELECT count(*) FROM flavors')[0][0]
    _refused(c, c.request('POST', V21 + '/flavors', {'flavor': body}))
    assert c.query('SELECT count(*) FROM flavors')[0][0] == before


# '{project}' is this run's project: test ids must be the same in every xdist worker
@pytest.mark.parametrize('path,value', [
    ('os-quota-sets/{project}', 2 ** 31), ('os-quota-sets/{project}', '2147483648'),
    ('os-quota-sets/{project}', ''), ('os-quota-sets/{project}', -2),
    ('os-quota-sets/not%20a%20project', 10), ('os-quota-sets/..%2F..', 10)])
def test_quota_bodies_and_project_ids(module_cloud, path, value):
    c = module_cloud
    path = path.replace('{project}', PROJECT)
    before = c.query('SELECT count(*) FROM quotas')[0][0]
    _refused(c, c.request('PUT', '%s/%s' % (V21, path), {'quota_set': {'cores': value}}))
    assert c.query('SELECT count(*) FROM quotas')[0][0] == before


@pytest.mark.parametrize('body', [
    {'host': '', 'binary': 'novalite-compute'}, {'host': 'x' * 300, 'binary': 'b'},
    {'host': 'h', 'binary': 'b', 'disabled_reason': ''}, {'host': ['h'], 'binary': 'b'}])
def test_admin_service_bodies(module_cloud, body):
    c = module_cloud
    _refused(c, c.request('PUT', V21 + '/os-services/disable', body,
                          headers={'OpenStack-API-Version': 'compute 2.1'}))


def test_backtracking_regex_is_linear(module_cloud, server_id):
    c = module_cloud
    t0 = time.monotonic()
    r = c.request('GET', V21 + '/servers?name=' + '(a%2B)%2B%24' + '&name=x')
    r = c.request('GET', V21 + '/servers/detail?name=(a%2B)%2B%24')
    assert r.status == 200
    r = c.request('GET', V21 + '/servers?name=' + ('a' * 30) + '(a%2A)%2A%24')
    assert r.status == 200 and time.monotonic() - t0 < 2.0
    _refused(c, c.request('GET', V21 + '/servers?name=(a)%5C1'))     # backreference: 400


@pytest.mark.parametrize('token', [':', ':{project}', ' '[1:] + ':'])
def test_noauth2_empty_identity(module_cloud, token):
    token = token.replace('{project}', PROJECT)
    r = module_cloud.request('GET', V21 + '/servers', token=token or ':')
    assert r.status == 401, r.raw


def test_tenant_fault_without_traceback(module_cloud):
    c = module_cloud
    r = c.boot('fails', flavor='huge')          # NoValidHost: a 500 fault on the server
    sid = r.json['server']['id']
    c.wait_status(sid, ('ERROR',))
    c.query('SELECT 1')
    with c.engine.begin() as conn:
        import sqlalchemy as sa
        conn.execute(sa.text("UPDATE instance_faults SET code = 500, message = :m "
                             "WHERE instance_uuid = :u"),
                     {'m': 'Remote error: Boom oops\nTraceback (most recent call last):\n  x',
                      'u': sid})
    user = c.get_server(sid, token='demo:%s' % PROJECT).json['server']['fault']
    assert user['message'] == 'Remote error: Boom oops' and 'details' not in user
    admin = c.get_server(sid).json['server']['fault']
    assert 'Traceback' in admin['message'] and 'details' in admin
