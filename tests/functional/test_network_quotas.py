"""/network/v2.0/quotas: what `openstack quota show` reads beside the compute
quotas. The embedded service enforces no network quota, so limits are -1;
details count what the project owns; setting limits is refused plainly."""
import uuid

import pytest

from tests.cloud import ADMIN_TOKEN, PROJECT, USER_TOKEN

pytestmark = pytest.mark.xdist_group('test_network_quotas')


def net(cloud, method, path, body=None, token=ADMIN_TOKEN):
    return cloud.request(method, '/network/v2.0' + path, body, token=token)


def test_quotas_show_default_details_and_refused_update(module_cloud):
    resp = net(module_cloud, 'GET', '/quotas/%s' % PROJECT, token=USER_TOKEN)
    assert resp.status == 200, resp.raw
    assert resp.json['quota']['network'] == -1 and resp.json['quota']['port'] == -1
    assert net(module_cloud, 'GET', '/quotas/%s/default' % PROJECT).json == resp.json
    before = net(module_cloud, 'GET', '/quotas/%s/details' % PROJECT, token=USER_TOKEN).json
    created = net(module_cloud, 'POST', '/networks', {'network': {'name': 'q-net'}},
                  token=USER_TOKEN)
    assert created.status == 201
    after = net(module_cloud, 'GET', '/quotas/%s/details' % PROJECT, token=USER_TOKEN).json
    assert after['quota']['network']['used'] == before['quota']['network']['used'] + 1
    assert after['quota']['network']['limit'] == -1
    other = uuid.uuid4().hex
    resp = net(module_cloud, 'GET', '/quotas/%s' % other, token=USER_TOKEN)
    assert resp.status == 403 and resp.json['NeutronError']['type'] == 'NotAuthorized'
    resp = net(module_cloud, 'PUT', '/quotas/%s' % PROJECT, {'quota': {'network': 5}})
    assert resp.status == 400 and 'enforces no quotas' in resp.json['NeutronError']['message']
    assert net(module_cloud, 'GET', '/quotas', token=USER_TOKEN).status == 403
    assert net(module_cloud, 'GET', '/quotas').json == {'quotas': []}
    aliases = {e['alias'] for e in net(module_cloud, 'GET', '/extensions').json['extensions']}
    assert {'quotas', 'quota_details'} <= aliases
    net(module_cloud, 'DELETE', '/networks/' + created.json['network']['id'], token=USER_TOKEN)
