"""The create-server path end to end: four daemons as separate processes on
the real RabbitMQ and each SQL backend, driven over HTTP."""
import threading

import oslo_messaging as messaging
import pytest
from oslo_config import cfg

from tests.cloud import Cloud, PROJECT, USER_TOKEN, wait_for


class NotificationCollector:
    """Listens on the notification topics of the test's RabbitMQ vhost."""

    def __init__(self, url):
        self.events = []
        self._lock = threading.Lock()
        transport = messaging.get_notification_transport(cfg.CONF, url=url)
        targets = [messaging.Target(topic='notifications'),
                   messaging.Target(topic='versioned_notifications')]
        self.listener = messaging.get_notification_listener(transport, targets, [self])
        self.listener.start()

    def _record(self, ctxt, publisher_id, event_type, payload, metadata):
        with self._lock:
            self.events.append((event_type, publisher_id, payload, ctxt))

    info = error = _record

    def types_for(self, uuid):
        with self._lock:
            out = []
            for etype, _pub, payload, _ctx in self.events:
                data = payload.get('nova_object.data', payload)
                if uuid in (data.get('uuid'), data.get('instance_id')):
                    out.append(etype)
            return out

    def stop(self):
        self.listener.stop()
        self.listener.wait()


@pytest.fixture
def cloud(tmp_path, db_url, rabbit_url):
    c = Cloud(tmp_path, db_url, rabbit_url, computes=('compute1', 'compute2'),
              compute_conf={'compute2': '[fake_driver]\nspawn_failure_name_regex = ^fail-\n'})
    c.start().seed_catalog()
    notes = NotificationCollector(rabbit_url)
    c.notifications = notes
    yield c
    notes.stop()
    c.stop()


def test_boot_show_list_delete(cloud):
    r = cloud.boot('vm1', metadata={'k': 'v'})
    assert r.status == 202, r.raw
    server = r.json['server']
    assert set(server) == {'id', 'links', 'adminPass', 'OS-DCF:diskConfig', 'security_groups'}
    assert len(server['adminPass']) == 12
    assert server['security_groups'] == [{'name': 'default'}]
    assert r.headers['Location'] == server['links'][0]['href']
    assert r.headers['OpenStack-API-Version'] == 'compute 2.1'
    assert r.headers['x-openstack-request-id'].startswith('req-')
    sid = server['id']

    active = cloud.wait_status(sid)
    assert active['status'] == 'ACTIVE', active.get('fault')
    assert active['OS-EXT-STS:vm_state'] == 'active'
    assert active['OS-EXT-STS:task_state'] is None
    assert active['OS-EXT-STS:power_state'] == 1
    assert active['metadata'] == {'k': 'v'}
    host = active['OS-EXT-SRV-ATTR:host']
    assert host in ('compute1', 'compute2')
    assert active['OS-EXT-SRV-ATTR:instance_name'].startswith('instance-')
    assert active['OS-SRV-USG:launched_at']

    # a non-admin member of the project does not see admin-only fields
    member = cloud.get_server(sid, token=USER_TOKEN).json['server']
    assert 'OS-EXT-SRV-ATTR:host' not in member and member['status'] == 'ACTIVE'

    # the claim is in compute_nodes: 1 vCPU, 512 MB + 512 MB reserved, 1 GB
    assert cloud.node_usage(host) == (1, 1024, 1, 1)

    # the build timeline: the task_state sequence left action events behind
    events = [e for (e,) in cloud.query(
        'SELECT e.event FROM instance_actions_events e JOIN instance_actions a '
        'ON a.id = e.action_id WHERE a.instance_uuid = :u ORDER BY e.id', u=sid)]
    assert events == ['conductor_schedule_and_build_instances',
                      'compute__do_build_and_run_instance', 'compute_instance_claim',
                      'compute_allocate_network', 'compute_spawn']

    # notifications through oslo.messaging: legacy and versioned
    wait_for(lambda: 'instance.create.end' in cloud.notifications.types_for(sid), 10,
             what='instance.create.end')
    wait_for(lambda: 'compute.instance.create.end' in cloud.notifications.types_for(sid), 10,
             what='compute.instance.create.end')
    types = cloud.notifications.types_for(sid)
    assert types.index('instance.create.start') < types.index('instance.create.end')

    # the request id of the POST is on the compute's log lines for this build
    assert r.headers['x-openstack-request-id'] in cloud.log_text(host)
    # novalite-manage sees the services and the claim
    services = cloud.manage_output('service', 'list')
    for binary in ('novalite-conductor', 'novalite-scheduler', 'novalite-compute'):
        assert binary in services
    # the conductor's heartbeat pings its own queue (baseapi), signed and
    # admitted: no refused RPC anywhere on a healthy cloud
    for name in ('conductor', 'scheduler', host):
        assert 'Refused RPC' not in cloud.log_text(name), name
    assert '| %s | %s | 1/8 ' % (host, host) in cloud.manage_output('host', 'list')
    # a compute host never loaded the database layer: no SQLAlchemy in its memory
    for name, proc in cloud.procs:
        if name.startswith('compute'):
            with open('/proc/%d/maps' % proc.pid) as maps:
                assert '/sqlalchemy/' not in maps.read(), name

    listing = cloud.request('GET', cloud.servers_path()).json
    assert [s['id'] for s in listing['servers']] == [sid]
    assert set(listing['servers'][0]) == {'id', 'name', 'links'}
    detail = cloud.request('GET', cloud.servers_path('/detail?name=^vm')).json
    assert [s['id'] for s in detail['servers']] == [sid]

    r = cloud.request('DELETE', cloud.servers_path('/' + sid))
    assert r.status == 204 and r.raw == b''
    cloud.wait_gone(sid)
    assert cloud.node_usage(host) == (0, 512, 0, 0)
    r = cloud.get_server(sid)
    assert r.status == 404
    assert r.json == {'itemNotFound': {'code': 404,
                                       'message': 'Instance %s could not be found.' % sid}}


def test_no_valid_host_explains_which_filter(cloud):
    r = cloud.boot('big', flavor='huge')
    assert r.status == 202
    server = cloud.wait_status(r.json['server']['id'])
    assert server['status'] == 'ERROR'
    assert server['fault']['code'] == 500
    assert server['fault']['message'] == (
        'No valid host was found. RamFilter: 0 of 2 hosts have 20000 MB free')
    assert cloud.node_usage('compute1')[1] == 512 and cloud.node_usage('compute2')[1] == 512


def test_failed_spawn_is_rescheduled_and_claim_released(cloud):
    # compute2 fails every "fail-" spawn: builds there go to compute1
    ids = []
    for i in range(4):
        r = cloud.boot('fail-%d' % i)
        assert r.status == 202
        ids.append(r.json['server']['id'])
    for sid in ids:
        server = cloud.wait_status(sid)
        assert server['status'] == 'ACTIVE', server.get('fault')
        assert server['OS-EXT-SRV-ATTR:host'] == 'compute1'
    assert cloud.node_usage('compute2') == (0, 512, 0, 0)
    assert cloud.node_usage('compute1') == (4, 512 + 4 * 512, 4, 4)


def test_rejected_requests_write_nothing(cloud):
    before = cloud.row_counts()
    cases = [
        (None, b'{not json', 400, 'Malformed request body'),
        ({'server': {'name': 'x', 'imageRef': cloud.image_id, 'flavorRef': '1', 'bogus': 1}},
         None, 400, "Additional properties are not allowed ('bogus' was unexpected)"),
        ({'server': {'name': 'x' * 256, 'imageRef': cloud.image_id, 'flavorRef': '1'}},
         None, 400, 'Invalid input for field/attribute name.'),
        ({'server': {'name': 'x', 'imageRef': cloud.image_id, 'flavorRef': 'nope'}},
         None, 400, 'Flavor nope could not be found.'),
        ({'server': {'name': 'x', 'imageRef': '8f0c2c44-0cf2-4b7e-9b4e-1e0e0e0e0e0e',
                     'flavorRef': '1'}}, None, 400, 'Can not find requested image'),
        ({'server': {'name': 'x', 'imageRef': cloud.image_id, 'flavorRef': '1',
                     'min_count': 3, 'max_count': 2}}, None, 400,
         'min_count must be <= max_count'),
        ({'server': {'imageRef': cloud.image_id, 'flavorRef': '1'}}, None, 400,
         "'name' is a required property"),
        # this cloud has no network: "auto" is Nova's 400
        ({'server': {'name': 'x', 'imageRef': cloud.image_id, 'flavorRef': '1',
                     'networks': 'auto'}}, None, 400,
         'Unable to automatically allocate a network for project'),
    ]
    for body, raw, code, message in cases:
        r = cloud.request('POST', cloud.servers_path(), body, raw=raw)
        assert r.status == code, (body, r.raw)
        assert message in r.json['badRequest']['message'], r.json
        assert r.json['badRequest']['code'] == 400
    assert cloud.row_counts() == before


def test_legacy_v2_endpoint_and_versions(cloud):
    body = {'server': {'name': '  legacy  ', 'imageRef': cloud.image_id, 'flavorRef': '1',
                       'max_count': 1, 'min_count': 1, 'availability_zone': 'nova'}}
    r = cloud.request('POST', '/v2/%s/servers' % PROJECT, body)
    assert r.status == 202, r.raw
    assert 'OpenStack-API-Version' not in r.headers
    assert r.json['server']['links'][0]['href'].endswith(
        '/v2/%s/servers/%s' % (PROJECT, r.json['server']['id']))
    server = cloud.wait_status(r.json['server']['id'])
    assert server['name'] == 'legacy' and server['status'] == 'ACTIVE'

    assert cloud.request('GET', '/', token=None).json['versions'][1]['id'] == 'v2.1'
    v21 = cloud.request('GET', '/v2.1/', token=None).json['version']
    assert (v21['min_version'], v21['status']) == ('2.1', 'CURRENT')
    r = cloud.request('GET', cloud.servers_path(), headers={
        'OpenStack-API-Version': 'compute 2.200'})
    assert r.status == 406 and 'Version 2.200 is not supported' in \
        r.json['computeFault']['message']
    r = cloud.request('GET', '/v2.1/%s/servers' % ('ab' * 16))
    assert r.status == 400 and "doesn't match Context's project_id" in \
        r.json['badRequest']['message']


def test_multi_create_spreads_over_equal_hosts(cloud):
    r = cloud.boot('many', max_count=6, return_reservation_id=True)
    assert r.status == 202 and set(r.json) == {'reservation_id'}
    resv = r.json['reservation_id']
    detail = cloud.servers_path('/detail?reservation_id=%s' % resv)
    wait_for(lambda: [s['status'] for s in cloud.request('GET', detail).json['servers']]
             == ['ACTIVE'] * 6, 30, what='6 ACTIVE servers')
    servers = cloud.request('GET', detail).json['servers']
    hosts = [s['OS-EXT-SRV-ATTR:host'] for s in servers]
    assert sorted(s['name'] for s in servers) == ['many-%d' % i for i in range(1, 7)]
    # equal hosts share the load
    assert hosts.count('compute1') == 3 and hosts.count('compute2') == 3, hosts
    flavors = cloud.request('GET', '/v2.1/%s/flavors' % PROJECT).json['flavors']
    assert sorted(f['id'] for f in flavors) == ['1', '2', 'huge']


def test_admin_pins_a_host_with_az_host_and_2_74_host(cloud):
    """``nova:compute2`` (admin) and 2.74 ``host`` put every server on that host,
    where random choice among the two equal hosts would spread them."""
    r = cloud.boot('pinned', availability_zone='nova:compute2', max_count=4,
                   return_reservation_id=True)
    assert r.status == 202, r.raw
    detail = cloud.servers_path('/detail?reservation_id=%s' % r.json['reservation_id'])
    wait_for(lambda: [s['status'] for s in cloud.request('GET', detail).json['servers']]
             == ['ACTIVE'] * 4, 30, what='4 ACTIVE servers')
    assert {s['OS-EXT-SRV-ATTR:host'] for s in cloud.request('GET', detail).json['servers']} \
        == {'compute2'}
    r = cloud.request('POST', cloud.servers_path(), {'server': {
        'name': 'dest', 'imageRef': cloud.image_id, 'flavorRef': '1', 'networks': 'none',
        'host': 'compute1'}}, headers={'OpenStack-API-Version': 'compute 2.74'})
    assert r.status == 202, r.raw
    assert cloud.wait_status(r.json['server']['id'])['OS-EXT-SRV-ATTR:host'] == 'compute1'
