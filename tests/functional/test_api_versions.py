"""Version documents and the headers every response carries (nova-create-path.md
§1.1), checked with Tempest's version schemas and Nova's rules."""
import pytest

from tests import tempest_schemas
from tests.cloud import PROJECT

pytestmark = pytest.mark.xdist_group('api_versions')

VERSION_HEADERS = ('OpenStack-API-Version', 'X-OpenStack-Nova-API-Version')


def test_version_documents(module_cloud):
    cloud = module_cloud
    root = cloud.request('GET', '/', token=None)
    tempest_schemas.check('versions_client.VersionsClient', 'list_versions', '2.1', root)
    v21 = [v for v in root.json['versions'] if v['id'] == 'v2.1'][0]
    assert (v21['min_version'], v21['version']) == ('2.1', '2.100')
    for path in ('/v2.1/', '/v2.1/%s/' % PROJECT):
        one = cloud.request('GET', path, token=None)
        tempest_schemas.check('versions_client.VersionsClient', 'get_one_version', '2.1', one)
        assert one.json['version']['version'] == '2.100'
    redirect = cloud.request('GET', '/v2.1', token=None)
    assert redirect.status in (200, 302)        # urllib follows the 302 to /v2.1/
    assert cloud.request('GET', '/nothing-here', token=None).status == 300


@pytest.mark.parametrize('path,status', [
    ('/v2.1/{p}/servers', 200),
    ('/v2.1/{p}/servers/00000000-0000-0000-0000-000000000000', 404),
    ('/v2.1/{p}/flavors/nope', 404),
    ('/v2.1/{p}/no-such-resource', 404),
])   # {p}: the project id is random per process, and xdist needs stable test ids
def test_every_response_carries_version_and_request_id_headers(module_cloud, path, status):
    r = module_cloud.request('GET', path.format(p=PROJECT),
                             headers={'OpenStack-API-Version': 'compute 2.47'})
    assert r.status == status, r.raw
    assert r.headers['OpenStack-API-Version'] == 'compute 2.47'
    assert r.headers['X-OpenStack-Nova-API-Version'] == '2.47'
    assert set(h.strip() for h in r.headers['Vary'].split(',')) >= set(VERSION_HEADERS)
    rid = r.headers['x-openstack-request-id']
    assert rid.startswith('req-') and r.headers['x-compute-request-id'] == rid


@pytest.mark.parametrize('headers,version', [
    ({}, '2.1'),
    ({'X-OpenStack-Nova-API-Version': '2.60'}, '2.60'),
    ({'OpenStack-API-Version': 'compute 2.90', 'X-OpenStack-Nova-API-Version': '2.60'}, '2.90'),
    ({'OpenStack-API-Version': 'compute latest'}, '2.100'),
    ({'OpenStack-API-Version': 'identity 3.5, compute 2.75'}, '2.75'),
])
def test_version_negotiation(module_cloud, headers, version):
    r = module_cloud.request('GET', module_cloud.servers_path(), headers=headers)
    assert r.status == 200 and r.headers['X-OpenStack-Nova-API-Version'] == version


@pytest.mark.parametrize('value,status,fault,message', [
    ('2.101', 406, 'computeFault',
     'Version 2.101 is not supported by the API. Minimum is 2.1 and maximum is 2.100.'),
    ('1.1', 406, 'computeFault', 'Version 1.1 is not supported by the API.'),
    ('2.01', 400, 'badRequest', 'API Version String 2.01 is of invalid format.'),
    ('two', 400, 'badRequest', 'API Version String two is of invalid format.'),
])
def test_bad_versions(module_cloud, value, status, fault, message):
    r = module_cloud.request('GET', module_cloud.servers_path(),
                             headers={'X-OpenStack-Nova-API-Version': value})
    assert r.status == status and r.json[fault]['code'] == status, r.raw
    assert message in r.json[fault]['message']
    assert r.headers['x-openstack-request-id'].startswith('req-')


def test_legacy_v2_has_no_version_headers_and_an_empty_version(module_cloud):
    cloud = module_cloud
    r = cloud.request('GET', '/v2/%s/servers' % PROJECT,
                      headers={'X-OpenStack-Nova-API-Version': '2.60'})
    assert r.status == 200
    assert not any(h in r.headers for h in VERSION_HEADERS)
    assert r.headers['x-openstack-request-id'].startswith('req-')
    doc = cloud.request('GET', '/v2/', token=None).json['version']
    assert (doc['id'], doc['version'], doc['min_version']) == ('v2.0', '', '')
