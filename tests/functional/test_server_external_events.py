"""POST /os-server-external-events as Neutron sends it: per-event codes, 207
when any is refused, 404 when none is accepted, admin or service role only,
and the accepted events reach the compute the server is on."""
import uuid

import pytest

from tests.cloud import PROJECT, USER_TOKEN, wait_for

pytestmark = pytest.mark.xdist_group('test_server_external_events')

PATH = '/v2.1/%s/os-server-external-events' % PROJECT


def post(cloud, events, token=None, version='2.1'):
    kwargs = {'token': token} if token else {}
    return cloud.request('POST', PATH, {'events': events},
                         headers={'OpenStack-API-Version': 'compute %s' % version}, **kwargs)


@pytest.fixture(scope='module')
def server(module_cloud):
    resp = module_cloud.boot(name='events-vm')
    assert resp.status == 202, resp.raw
    return module_cloud.wait_status(resp.json['server']['id'], ('ACTIVE',))


def test_accepted_events_reach_the_compute(module_cloud, server):
    port = str(uuid.uuid4())
    resp = post(module_cloud, [{'name': 'network-changed', 'server_uuid': server['id'],
                                'tag': port},
                               {'name': 'network-vif-plugged', 'server_uuid': server['id'],
                                'tag': port, 'status': 'completed'}])
    assert resp.status == 200, resp.raw
    assert [(e['code'], e['status']) for e in resp.json['events']] == \
        [(200, 'completed'), (200, 'completed')]
    assert resp.json['events'][0]['tag'] == port
    wait_for(lambda: 'Event network-changed:%s for instance %s accepted' % (port, server['id'])
             in module_cloud.log_text('compute1'), timeout=30,
             what='the event in the compute log')


def test_unknown_server_is_207_or_404(module_cloud, server):
    unknown = str(uuid.uuid4())
    resp = post(module_cloud, [{'name': 'network-vif-plugged', 'server_uuid': server['id']},
                               {'name': 'network-vif-plugged', 'server_uuid': unknown}])
    assert resp.status == 207, resp.raw
    assert [e['code'] for e in resp.json['events']] == [200, 404]
    assert resp.json['events'][1]['status'] == 'failed'
    resp = post(module_cloud, [{'name': 'network-vif-plugged', 'server_uuid': unknown}])
    assert resp.status == 404, resp.raw
    assert resp.json['itemNotFound']['message'] == 'No instances found for any event'


def test_server_without_host_is_422(module_cloud):
    resp = module_cloud.boot(name='nowhere', flavor='huge', min_count=1)
    assert resp.status == 202
    sid = resp.json['server']['id']
    module_cloud.wait_status(sid, ('ERROR',))
    resp = post(module_cloud, [{'name': 'network-vif-plugged', 'server_uuid': sid}])
    assert resp.status == 404
    assert resp.json['itemNotFound']['message'] == 'No instances found for any event'


def test_policy_and_validation(module_cloud, server):
    ev = {'name': 'network-vif-plugged', 'server_uuid': server['id']}
    resp = post(module_cloud, [ev], token=USER_TOKEN)
    assert resp.status == 403, resp.raw
    for bad in ([], [dict(ev, name='bogus')], [dict(ev, status='done')],
                [dict(ev, extra=1)], [{'name': 'network-vif-plugged'}],
                [dict(ev, server_uuid='not-a-uuid')], [dict(ev, tag='x' * 256)]):
        resp = post(module_cloud, bad)
        assert resp.status == 400, (bad, resp.raw)
    # volume-extended exists from 2.51, and needs a tag
    vol = dict(ev, name='volume-extended')
    assert post(module_cloud, [vol], version='2.50').status == 400
    resp = post(module_cloud, [vol, ev], version='2.51')
    assert resp.status == 207
    assert [e['code'] for e in resp.json['events']] == [400, 200]
