"""The compute API beside /servers: flavors (with manage, access and extra
specs), os-availability-zone, os-hypervisors, os-services and
os-instance-actions, per microversion, validated with Tempest's schemas."""
import datetime
import json
import uuid

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import flavors_access
from tempest.lib.api_schema.response.compute.v2_1 import flavors_extra_specs
from tempest.lib.common import rest_client

from tests.cloud import PROJECT, USER_TOKEN
from tests import reference
from tests.tempest_schemas import _Resp, check

pytestmark = pytest.mark.xdist_group('test_admin_api')

OTHER_PROJECT = uuid.uuid4().hex
OTHER_TOKEN = 'other:%s' % OTHER_PROJECT
FLAVORS = 'flavors_client.FlavorsClient'
HYPERVISORS = 'hypervisor_client.HypervisorClient'
SERVICES = 'services_client.ServicesClient'
SERVERS = 'servers_client.ServersClient'
AZ = 'availability_zone_client.AvailabilityZoneClient'


def call(cloud, method, path, version='2.1', body=None, token=None, project=PROJECT):
    kwargs = {'token': token} if token else {}
    return cloud.request(method, '/v2.1/%s%s' % (project, path), body,
                         headers={'OpenStack-API-Version': 'compute %s' % version},
                         **kwargs)


def ok(resp, status=200):
    assert resp.status == status, (resp.status, resp.raw)
    return resp


def validate(schema, resp):
    """For Tempest schemas its clients do not pick per version."""
    rest_client.RestClient.validate_response(
        schema, _Resp(resp.status, resp.headers), resp.json)


def flavor_count(cloud):
    return cloud.query('SELECT count(*) FROM flavors')[0][0]


def new_flavor(cloud, version='2.1', **values):
    body = {'name': 'f-%s' % uuid.uuid4().hex[:8], 'ram': 64, 'vcpus': 1, 'disk': 0}
    body.update(values)
    return ok(call(cloud, 'POST', '/flavors', version, {'flavor': body})).json['flavor']


# -- flavors ----------------------------------------------------------------------
@pytest.mark.parametrize('version', ['2.1', '2.55', '2.61', '2.75'])
def test_flavor_views_per_microversion(module_cloud, version):
    cloud = module_cloud
    index = check(FLAVORS, 'list_flavors', version, ok(call(cloud, 'GET', '/flavors', version)))
    names = {f['id']: f for f in index.json['flavors']}
    assert {'1', '2', 'huge'} <= set(names)
    assert ('description' in names['1']) == (version != '2.1')
    detail = check(FLAVORS, 'list_flavors_details', version,
                   ok(call(cloud, 'GET', '/flavors/detail', version)))
    for token in (None, USER_TOKEN):
        show = check(FLAVORS, 'create_update_get_flavor_details', version,
                     ok(call(cloud, 'GET', '/flavors/1', version, token=token)))
        flavor = show.json['flavor']
        assert flavor['ram'] == 512 and flavor['vcpus'] == 1 and flavor['disk'] == 1
        assert flavor['swap'] == ('' if version < '2.75' else 0)
        assert ('extra_specs' in flavor) == (version in ('2.61', '2.75'))
        assert flavor['links'][0]['href'].endswith('/v2.1/%s/flavors/1' % PROJECT)
    assert all(('extra_specs' in f) == (version in ('2.61', '2.75'))
               for f in detail.json['flavors'])
    # a flavor is addressed by id, never by name
    assert call(cloud, 'GET', '/flavors/m1.tiny', version).status == 404


def test_flavor_list_filters_sorting_and_paging(module_cloud):
    cloud = module_cloud
    private = new_flavor(cloud, **{'os-flavor-access:is_public': False, 'ram': 32})

    def ids(query='', token=None, version='2.1'):
        r = ok(call(cloud, 'GET', '/flavors/detail' + query, version, token=token))
        return [f['id'] for f in r.json['flavors']]

    assert private['id'] not in ids()
    assert private['id'] in ids('?is_public=None')          # what clients send
    assert ids('?is_public=false') == [private['id']]
    assert private['id'] not in ids('?is_public=None', token=USER_TOKEN)
    assert private['id'] not in ids('?is_public=false', token=USER_TOKEN)
    assert call(cloud, 'GET', '/flavors?is_public=maybe').status == 400
    assert ids('?minRam=4096') == ['2', 'huge']
    assert ids('?minDisk=10&minRam=5000') == ['huge']
    assert call(cloud, 'GET', '/flavors?minRam=lots').status == 400
    assert ids('?sort_key=memory_mb&sort_dir=desc&minRam=512') == ['huge', '2', '1']
    assert call(cloud, 'GET', '/flavors?sort_key=color').status == 400
    assert call(cloud, 'GET', '/flavors?sort_dir=sideways').status == 400
    # limit and marker (the flavorid), with a next link on a full page
    page = check(FLAVORS, 'list_flavors', '2.1',
                 ok(call(cloud, 'GET', '/flavors?limit=1&minRam=512'))).json
    assert [f['id'] for f in page['flavors']] == ['1']
    assert 'marker=1' in page['flavors_links'][0]['href']
    assert ids('?minRam=512&marker=1') == ['2', 'huge']
    assert call(cloud, 'GET', '/flavors?marker=nope').status == 400
    # 2.75 rejects unknown query parameters; earlier versions ignore them
    assert call(cloud, 'GET', '/flavors?colour=red', '2.74').status == 200
    assert call(cloud, 'GET', '/flavors?colour=red', '2.75').status == 400


def test_flavor_create_update_delete(module_cloud):
    cloud = module_cloud
    before = flavor_count(cloud)
    bad_bodies = [
        {'name': 'x', 'ram': 0, 'vcpus': 1, 'disk': 0},
        {'name': 'x', 'ram': 64, 'vcpus': 1},
        {'name': ' x', 'ram': 64, 'vcpus': 1, 'disk': 0},
        {'name': 'x', 'ram': 64, 'vcpus': 1, 'disk': -1},
        {'name': 'x', 'ram': 64, 'vcpus': 1, 'disk': 0, 'colour': 'red'},
        {'name': 'x', 'ram': 64, 'vcpus': 1, 'disk': 0, 'rxtx_factor': 0},
        {'name': 'x', 'ram': 64, 'vcpus': 1, 'disk': 0, 'id': ''},
        {'name': 'x', 'ram': 64, 'vcpus': 1, 'disk': 0, 'description': 'not before 2.55'},
    ]
    for body in bad_bodies:
        r = call(cloud, 'POST', '/flavors', '2.54', {'flavor': body})
        assert r.status == 400 and 'badRequest' in r.json, (body, r.raw)
    r = call(cloud, 'POST', '/flavors', '2.55', {'flavor': {'name': 'n', 'ram': 1, 'vcpus': 1,
                                                            'disk': 0}}, token=USER_TOKEN)
    assert r.status == 403
    assert flavor_count(cloud) == before

    full = {'name': 'm1.full', 'id': 'full-1', 'ram': '128', 'vcpus': 2, 'disk': 3,
            'OS-FLV-EXT-DATA:ephemeral': 4, 'swap': 5, 'rxtx_factor': 2.5,
            'os-flavor-access:is_public': 'false', 'description': 'everything'}
    r = check(FLAVORS, 'create_update_get_flavor_details', '2.61',
              ok(call(cloud, 'POST', '/flavors', '2.61', {'flavor': full})))
    created = r.json['flavor']
    assert created == dict(created, id='full-1', ram=128, vcpus=2, disk=3, swap=5,
                           rxtx_factor=2.5, description='everything', extra_specs={},
                           **{'OS-FLV-EXT-DATA:ephemeral': 4,
                              'os-flavor-access:is_public': False,
                              'OS-FLV-DISABLED:disabled': False})
    for dup in ({'name': 'm1.full'}, {'name': 'other', 'id': 'full-1'}):
        body = dict({'ram': 64, 'vcpus': 1, 'disk': 0}, **dup)
        assert call(cloud, 'POST', '/flavors', '2.1', {'flavor': body}).status == 409
    auto = new_flavor(cloud, '2.75', id=None)
    uuid.UUID(auto['id'])
    assert auto['swap'] == 0 and auto['rxtx_factor'] == 1.0
    assert flavor_count(cloud) == before + 2

    # PUT: the description only, from 2.55
    desc = {'flavor': {'description': 'new words'}}
    assert call(cloud, 'PUT', '/flavors/full-1', '2.54', desc).status == 404
    assert call(cloud, 'PUT', '/flavors/full-1', '2.55', {'flavor': {'name': 'x'}}).status == 400
    assert call(cloud, 'PUT', '/flavors/full-1', '2.55', desc, token=USER_TOKEN).status == 403
    assert call(cloud, 'PUT', '/flavors/nope', '2.55', desc).status == 404
    r = check(FLAVORS, 'create_update_get_flavor_details', '2.55',
              ok(call(cloud, 'PUT', '/flavors/full-1', '2.55', desc)))
    assert r.json['flavor']['description'] == 'new words'
    assert ok(call(cloud, 'GET', '/flavors/full-1', '2.55')).json['flavor']['description'] \
        == 'new words'

    assert call(cloud, 'DELETE', '/flavors/full-1', token=USER_TOKEN).status == 403
    check(FLAVORS, 'delete_flavor', '2.1', ok(call(cloud, 'DELETE', '/flavors/full-1'), 202))
    assert call(cloud, 'GET', '/flavors/full-1').status == 404
    assert call(cloud, 'DELETE', '/flavors/full-1').status == 404


def test_flavor_access(module_cloud):
    cloud = module_cloud
    flavor = new_flavor(cloud, **{'os-flavor-access:is_public': False})
    fid = flavor['id']
    path = '/flavors/%s' % fid
    add = {'addTenantAccess': {'tenant': OTHER_PROJECT}}

    r = ok(call(cloud, 'GET', path + '/os-flavor-access'))
    validate(flavors_access.add_remove_list_flavor_access, r)
    assert r.json == {'flavor_access': []}
    # the other project cannot see the private flavor yet
    assert call(cloud, 'GET', path, token=OTHER_TOKEN, project=OTHER_PROJECT).status == 404
    assert call(cloud, 'POST', path + '/action', body=add, token=USER_TOKEN).status == 403
    for bad in ({'addTenantAccess': {}}, {'addTenantAccess': {'tenant': ''}},
                {'addTenantAccess': {'tenant': 'a', 'x': 1}}, {'fly': {}}):
        assert call(cloud, 'POST', path + '/action', body=bad).status == 400, bad
    assert cloud.query('SELECT count(*) FROM flavor_projects')[0][0] == 0

    r = ok(call(cloud, 'POST', path + '/action', body=add))
    validate(flavors_access.add_remove_list_flavor_access, r)
    assert r.json == {'flavor_access': [{'flavor_id': fid, 'tenant_id': OTHER_PROJECT}]}
    assert call(cloud, 'POST', path + '/action', body=add).status == 409
    r = ok(call(cloud, 'GET', path, token=OTHER_TOKEN, project=OTHER_PROJECT))
    assert r.json['flavor']['id'] == fid
    listed = ok(call(cloud, 'GET', '/flavors', token=OTHER_TOKEN, project=OTHER_PROJECT))
    assert fid in [f['id'] for f in listed.json['flavors']]

    remove = {'removeTenantAccess': {'tenant': OTHER_PROJECT}}
    r = ok(call(cloud, 'POST', path + '/action', body=remove))
    assert r.json == {'flavor_access': []}
    assert call(cloud, 'POST', path + '/action', body=remove).status == 404
    assert call(cloud, 'GET', path, token=OTHER_TOKEN, project=OTHER_PROJECT).status == 404

    # public flavors: no access list; adding a tenant is a conflict from 2.7
    assert call(cloud, 'GET', '/flavors/1/os-flavor-access').status == 404
    assert call(cloud, 'POST', '/flavors/1/action', '2.7', add).status == 409
    assert call(cloud, 'GET', path + '/os-flavor-access', token=USER_TOKEN).status == 403
    assert call(cloud, 'POST', '/flavors/nope/action', body=add).status == 404


def test_flavor_extra_specs(module_cloud):
    cloud = module_cloud
    fid = new_flavor(cloud)['id']
    path = '/flavors/%s/os-extra_specs' % fid
    specs = {'extra_specs': {'hw:cpu_policy': 'shared', 'hw:numa_nodes': 1}}

    assert call(cloud, 'POST', path, body=specs, token=USER_TOKEN).status == 403
    for bad in ({'extra_specs': {'bad/key': 'v'}}, {'extra_specs': {'k': 'v' * 256}},
                {'extra_specs': {'k': ['list']}}, {'specs': {}}):
        assert call(cloud, 'POST', path, body=bad).status == 400, bad
    assert cloud.query('SELECT count(*) FROM flavor_extra_specs')[0][0] == 0

    r = ok(call(cloud, 'POST', path, body={'extra_specs': {'hw:cpu_policy': 'shared'}}))
    validate(flavors_extra_specs.set_get_flavor_extra_specs, r)
    # Nova echoes the body as sent (a number stays a number) and stores strings
    assert ok(call(cloud, 'POST', path, body=specs)).json == specs
    for token in (None, USER_TOKEN):
        r = ok(call(cloud, 'GET', path, token=token))
        validate(flavors_extra_specs.set_get_flavor_extra_specs, r)
        assert r.json == {'extra_specs': {'hw:cpu_policy': 'shared', 'hw:numa_nodes': '1'}}
        r = ok(call(cloud, 'GET', path + '/hw:numa_nodes', token=token))
        validate(flavors_extra_specs.set_get_flavor_extra_specs_key, r)
        assert r.json == {'hw:numa_nodes': '1'}
    assert call(cloud, 'GET', path + '/hw:mem_page_size').status == 404

    r = ok(call(cloud, 'PUT', path + '/hw:numa_nodes', body={'hw:numa_nodes': '2'}))
    validate(flavors_extra_specs.set_get_flavor_extra_specs_key, r)
    assert call(cloud, 'PUT', path + '/hw:numa_nodes', body={'other': '2'}).status == 400
    assert call(cloud, 'PUT', path + '/a', body={'a': '1', 'b': '2'}).status == 400
    assert call(cloud, 'PUT', path + '/a', body={'a': '1'}, token=USER_TOKEN).status == 403
    shown = ok(call(cloud, 'GET', '/flavors/%s' % fid, '2.61')).json['flavor']
    assert shown['extra_specs'] == {'hw:cpu_policy': 'shared', 'hw:numa_nodes': '2'}

    assert call(cloud, 'DELETE', path + '/hw:numa_nodes', token=USER_TOKEN).status == 403
    r = ok(call(cloud, 'DELETE', path + '/hw:numa_nodes'))
    validate(flavors_extra_specs.unset_flavor_extra_specs, r)
    assert call(cloud, 'DELETE', path + '/hw:numa_nodes').status == 404
    assert ok(call(cloud, 'GET', path)).json == {'extra_specs': {'hw:cpu_policy': 'shared'}}
    assert call(cloud, 'GET', '/flavors/nope/os-extra_specs').status == 404


# -- availability zones, services, hypervisors --------------------------------
def test_availability_zones(module_cloud):
    cloud = module_cloud
    for token in (None, USER_TOKEN):
        r = check(AZ, 'list_availability_zone_list', '2.1',
                  ok(call(cloud, 'GET', '/os-availability-zone', token=token)))
        assert r.json == {'availabilityZoneInfo': [
            {'zoneName': 'nova', 'zoneState': {'available': True}, 'hosts': None}]}
    assert call(cloud, 'GET', '/os-availability-zone/detail', token=USER_TOKEN).status == 403
    r = check(AZ, 'list_availability_zone_list_detail', '2.1',
              ok(call(cloud, 'GET', '/os-availability-zone/detail')))
    zones = {z['zoneName']: z for z in r.json['availabilityZoneInfo']}
    assert set(zones) == {'nova', 'internal'}
    compute = zones['nova']['hosts']['compute1']['novalite-compute']
    assert compute['available'] is True and compute['active'] is True
    internal = {b for h in zones['internal']['hosts'].values() for b in h}
    assert internal == {'novalite-conductor', 'novalite-scheduler'}


@pytest.mark.parametrize('version', ['2.1', '2.11', '2.53'])
def test_services(module_cloud, version):
    cloud = module_cloud
    r = check(SERVICES, 'list_services', version, ok(call(cloud, 'GET', '/os-services',
                                                          version)))
    by_binary = {s['binary']: s for s in r.json['services']}
    assert set(by_binary) == {'novalite-compute', 'novalite-conductor', 'novalite-scheduler'}
    compute = by_binary['novalite-compute']
    assert compute['host'] == 'compute1' and compute['zone'] == 'nova'
    assert compute['state'] == 'up' and compute['status'] == 'enabled'
    assert by_binary['novalite-scheduler']['zone'] == 'internal'
    assert ('forced_down' in compute) == (version != '2.1')
    assert isinstance(compute['id'], str if version == '2.53' else int)
    r = ok(call(cloud, 'GET', '/os-services?binary=novalite-compute', version))
    assert [s['host'] for s in r.json['services']] == ['compute1']
    r = ok(call(cloud, 'GET', '/os-services?host=compute1&binary=novalite-scheduler', version))
    assert r.json['services'] == []
    assert call(cloud, 'GET', '/os-services', version, token=USER_TOKEN).status == 403


@pytest.mark.parametrize('version', ['2.1', '2.28', '2.33', '2.53', '2.88'])
def test_hypervisors(module_cloud, version):
    cloud = module_cloud
    tempest_version = version if version != '2.88' else None   # Tempest stops at 2.53
    r = ok(call(cloud, 'GET', '/os-hypervisors', version))
    if tempest_version:
        check(HYPERVISORS, 'list_search_hypervisors', version, r)
    [hyp] = r.json['hypervisors']
    assert hyp['hypervisor_hostname'] and hyp['state'] == 'up' and hyp['status'] == 'enabled'
    assert set(hyp) == {'id', 'hypervisor_hostname', 'state', 'status'}
    node_id, node_uuid = cloud.query('SELECT id, uuid FROM compute_nodes')[0]
    assert hyp['id'] == (node_uuid if version >= '2.53' else node_id)

    r = ok(call(cloud, 'GET', '/os-hypervisors/detail', version))
    if tempest_version:
        check(HYPERVISORS, 'list_hypervisors_detail', version, r)
    shown = ok(call(cloud, 'GET', '/os-hypervisors/%s' % hyp['id'], version))
    if tempest_version:
        check(HYPERVISORS, 'get_hypervisor', version, shown)
    detail = shown.json['hypervisor']
    assert detail['service']['host'] == 'compute1'
    if version == '2.88':      # the key set of Nova's own 2.88 sample
        sample = json.loads((reference.api_samples('doc') / 'os-hypervisors/v2.88/hypervisors-show-resp.json')
                            .read_text())['hypervisor']
        assert set(detail) == set(sample) and set(detail['service']) == set(sample['service'])
        assert call(cloud, 'GET', '/os-hypervisors/statistics', version).status == 404
    else:
        assert detail['vcpus'] > 0 and detail['memory_mb'] > 0
        assert isinstance(detail['cpu_info'], str if version < '2.28' else dict)
        r = ok(call(cloud, 'GET', '/os-hypervisors/statistics', version))
        if tempest_version:
            check(HYPERVISORS, 'get_hypervisor_statistics', version, r)
        assert r.json['hypervisor_statistics']['count'] == 1
    name = hyp['hypervisor_hostname']
    if version >= '2.53':
        assert call(cloud, 'GET', '/os-hypervisors/%s' % node_id, version).status == 400
        r = ok(call(cloud, 'GET', '/os-hypervisors?hypervisor_hostname_pattern=%s'
                    % name[1:], version))
        assert [h['id'] for h in r.json['hypervisors']] == [hyp['id']]
        assert call(cloud, 'GET', '/os-hypervisors?hypervisor_hostname_pattern=zzz',
                    version).status == 404
        assert call(cloud, 'GET', '/os-hypervisors/%s/search' % name, version).status == 404
        r = ok(call(cloud, 'GET', '/os-hypervisors?with_servers=true', version))
        [with_servers] = r.json['hypervisors']
        if version >= '2.75' or 'servers' in with_servers:
            assert isinstance(with_servers['servers'], list)
    else:
        r = ok(call(cloud, 'GET', '/os-hypervisors/%s/servers' % name[1:], version))
        assert [h['hypervisor_hostname'] for h in r.json['hypervisors']] == [name]
        r = ok(call(cloud, 'GET', '/os-hypervisors/%s/search' % name[1:], version))
        check(HYPERVISORS, 'list_search_hypervisors', version, r)
        assert call(cloud, 'GET', '/os-hypervisors/zzz/search', version).status == 404
        assert call(cloud, 'GET', '/os-hypervisors/999999', version).status == 404
    if version >= '2.33':
        r = ok(call(cloud, 'GET', '/os-hypervisors?limit=1', version))
        assert 'marker=%s' % hyp['id'] in r.json['hypervisors_links'][0]['href']
        r = ok(call(cloud, 'GET', '/os-hypervisors?marker=%s' % hyp['id'], version))
        assert r.json == {'hypervisors': []}
    assert call(cloud, 'GET', '/os-hypervisors', version, token=USER_TOKEN).status == 403
    assert call(cloud, 'GET', '/os-hypervisors/detail', version, token=USER_TOKEN).status == 403


# -- instance actions ------------------------------------------------------------
@pytest.fixture(scope='module')
def built_server(module_cloud):
    r = module_cloud.boot('actions-vm')
    assert r.status == 202, r.raw
    server_id = r.json['server']['id']
    assert module_cloud.wait_status(server_id)['status'] == 'ACTIVE'
    return server_id


def _events(cloud, server_id, version, token=None):
    actions = ok(call(cloud, 'GET', '/servers/%s/os-instance-actions' % server_id, version,
                      token=token))
    check(SERVERS, 'list_instance_actions', version, actions)
    [create] = [a for a in actions.json['instanceActions'] if a['action'] == 'create']
    shown = ok(call(cloud, 'GET', '/servers/%s/os-instance-actions/%s'
                    % (server_id, create['request_id']), version, token=token))
    check(SERVERS, 'show_instance_action', version, shown)
    return create, shown.json['instanceAction']


def test_instance_action_events_of_a_build(module_cloud, built_server):
    cloud = module_cloud
    create, action = _events(cloud, built_server, '2.1')
    assert create['instance_uuid'] == built_server and create['project_id'] == PROJECT
    assert 'updated_at' not in create
    events = {e['event']: e for e in action['events']}
    # every step of the build recorded a finished, successful event
    assert {'conductor_schedule_and_build_instances', 'compute__do_build_and_run_instance',
            'compute_instance_claim', 'compute_allocate_network', 'compute_spawn'} \
        == set(events)
    for e in events.values():
        assert e['result'] == 'Success' and e['finish_time'] >= e['start_time'], e
        assert e['traceback'] is None
    build = events['compute__do_build_and_run_instance']
    spawn = events['compute_spawn']
    claim, network = events['compute_instance_claim'], events['compute_allocate_network']
    # the steps in order, inside the build
    assert build['start_time'] <= claim['start_time'] <= claim['finish_time'] \
        <= network['start_time'] <= network['finish_time'] <= spawn['start_time'] \
        <= spawn['finish_time'] <= build['finish_time']


@pytest.mark.parametrize('version,admin_keys,user_keys', [
    ('2.1', {'event', 'start_time', 'finish_time', 'result', 'traceback'}, None),
    ('2.51', {'event', 'start_time', 'finish_time', 'result', 'traceback'},
     {'event', 'start_time', 'finish_time', 'result'}),
    ('2.62', {'event', 'start_time', 'finish_time', 'result', 'traceback', 'host', 'hostId'},
     {'event', 'start_time', 'finish_time', 'result', 'hostId'}),
    ('2.84', {'event', 'start_time', 'finish_time', 'result', 'traceback', 'host', 'hostId',
              'details'},
     {'event', 'start_time', 'finish_time', 'result', 'hostId'}),
])
def test_instance_action_views(module_cloud, built_server, version, admin_keys, user_keys):
    cloud = module_cloud
    create, action = _events(cloud, built_server, version)
    assert ('updated_at' in create) == (version >= '2.58')
    assert {k for e in action['events'] for k in e} == admin_keys
    _create, action = _events(cloud, built_server, version, token=USER_TOKEN)
    if user_keys is None:
        assert 'events' not in action
    else:
        assert {k for e in action['events'] for k in e} == user_keys
    if version >= '2.62':
        build = [e for e in action['events']
                 if e['event'] == 'compute__do_build_and_run_instance'][0]
        assert len(build['hostId']) == 56
    assert call(cloud, 'GET', '/servers/%s/os-instance-actions/req-nope' % built_server,
                version).status == 404
    assert call(cloud, 'GET', '/servers/%s/os-instance-actions' % built_server, version,
                token=OTHER_TOKEN, project=OTHER_PROJECT).status == 404


def test_instance_actions_paging_and_deleted_servers(module_cloud):
    cloud = module_cloud
    r = cloud.boot('actions-gone')
    server_id = r.json['server']['id']
    cloud.wait_status(server_id)
    ok(cloud.request('DELETE', cloud.servers_path('/' + server_id)), 204)
    cloud.wait_gone(server_id)
    path = '/servers/%s/os-instance-actions' % server_id
    assert call(cloud, 'GET', path, '2.20').status == 404
    r = check(SERVERS, 'list_instance_actions', '2.21', ok(call(cloud, 'GET', path, '2.21')))
    actions = r.json['instanceActions']
    assert [a['action'] for a in actions] == ['create']
    # 2.58: limit and marker (a request id), with a next link on a full page
    r = check(SERVERS, 'list_instance_actions', '2.58',
              ok(call(cloud, 'GET', path + '?limit=1', '2.58')))
    assert [a['action'] for a in r.json['instanceActions']] == ['create']
    assert 'marker=%s' % actions[0]['request_id'] in r.json['links'][0]['href']
    r = ok(call(cloud, 'GET', path + '?marker=%s' % actions[0]['request_id'], '2.58'))
    assert r.json == {'instanceActions': []}
    assert call(cloud, 'GET', path + '?marker=req-nope', '2.58').status == 400
    future = (datetime.datetime.utcnow() + datetime.timedelta(hours=1)).isoformat()
    past = '2000-01-01T00:00:00Z'
    r = ok(call(cloud, 'GET', path + '?changes-since=%s' % future, '2.58'))
    assert r.json['instanceActions'] == []
    r = ok(call(cloud, 'GET', path + '?changes-since=%s' % past, '2.58'))
    assert len(r.json['instanceActions']) == 1
    assert call(cloud, 'GET', path + '?changes-before=%s' % past, '2.58').status == 400
    r = ok(call(cloud, 'GET', path + '?changes-before=%s' % past, '2.66'))
    assert r.json['instanceActions'] == []
    r = call(cloud, 'GET', path + '?changes-since=%s&changes-before=%s' % (future, past),
             '2.66')
    assert r.status == 400


# -- service updates (last: they disable the module's only compute) -------------
def _service_rows(cloud):
    return cloud.query('SELECT host, "binary", disabled, disabled_reason, forced_down '
                       'FROM services ORDER BY id')


def test_service_updates_before_2_53(module_cloud):
    cloud = module_cloud
    target = {'host': 'compute1', 'binary': 'novalite-compute'}
    before = _service_rows(cloud)
    for action, body, status in [
            ('disable', target, 403), ('disable', dict(target, colour='red'), 400),
            ('disable', {'host': 'compute1'}, 400), ('reboot', target, 404),
            ('disable', dict(target, host='nowhere'), 404),
            ('disable-log-reason', target, 400), ('force-down', target, 404)]:
        r = call(cloud, 'PUT', '/os-services/%s' % action, '2.1', body,
                 token=USER_TOKEN if status == 403 else None)
        assert r.status == status, (action, body, r.raw)
    assert _service_rows(cloud) == before
    try:
        r = check(SERVICES, 'disable_log_reason', '2.1', ok(call(
            cloud, 'PUT', '/os-services/disable-log-reason', '2.1',
            dict(target, disabled_reason='maintenance'))))
        assert r.json == {'service': dict(target, status='disabled',
                                          disabled_reason='maintenance')}
        listed = ok(call(cloud, 'GET', '/os-services?binary=novalite-compute')).json
        assert listed['services'][0]['status'] == 'disabled'
        assert listed['services'][0]['disabled_reason'] == 'maintenance'
        # a zone whose only compute is disabled is not available
        zones = ok(call(cloud, 'GET', '/os-availability-zone')).json['availabilityZoneInfo']
        assert zones == [{'zoneName': 'nova', 'zoneState': {'available': False},
                          'hosts': None}]
        # and the scheduler does not pick the host
        r = cloud.boot('on-disabled-host')
        assert cloud.wait_status(r.json['server']['id'])['status'] == 'ERROR'
        r = check(SERVICES, 'update_forced_down', '2.11', ok(call(
            cloud, 'PUT', '/os-services/force-down', '2.11', dict(target, forced_down=True))))
        assert r.json == {'service': dict(target, forced_down=True)}
        listed = ok(call(cloud, 'GET', '/os-services?binary=novalite-compute', '2.11')).json
        assert listed['services'][0]['forced_down'] is True
        assert listed['services'][0]['state'] == 'down'
        ok(call(cloud, 'PUT', '/os-services/force-down', '2.11',
                dict(target, forced_down=False)))
    finally:
        r = check(SERVICES, 'enable_disable_service', '2.1',
                  ok(call(cloud, 'PUT', '/os-services/enable', '2.1', target)))
    assert r.json == {'service': dict(target, status='enabled')}
    assert _service_rows(cloud) == before


def test_service_updates_by_uuid(module_cloud):
    cloud = module_cloud
    services = ok(call(cloud, 'GET', '/os-services', '2.53')).json['services']
    compute = [s for s in services if s['binary'] == 'novalite-compute'][0]
    scheduler = [s for s in services if s['binary'] == 'novalite-scheduler'][0]
    path = '/os-services/%s' % compute['id']
    before = _service_rows(cloud)
    for sid, body, status in [
            (compute['id'], {}, 400),
            (compute['id'], {'status': 'enabled', 'disabled_reason': 'x'}, 400),
            (compute['id'], {'disabled_reason': 'x'}, 400),
            (compute['id'], {'status': 'off'}, 400),
            (compute['id'], {'status': 'disabled', 'host': 'compute1'}, 400),
            (scheduler['id'], {'status': 'disabled'}, 400),
            ('disable', {'status': 'disabled'}, 400),
            (str(uuid.uuid4()), {'status': 'disabled'}, 404)]:
        r = call(cloud, 'PUT', '/os-services/%s' % sid, '2.53', body)
        assert r.status == status, (sid, body, r.raw)
    assert call(cloud, 'PUT', path, '2.53', {'status': 'disabled'},
                token=USER_TOKEN).status == 403
    assert _service_rows(cloud) == before
    try:
        r = check(SERVICES, 'update_service', '2.53', ok(call(
            cloud, 'PUT', path, '2.53', {'status': 'disabled', 'disabled_reason': 'maint'})))
        shown = r.json['service']
        assert shown['id'] == compute['id'] and shown['status'] == 'disabled'
        assert shown['disabled_reason'] == 'maint' and shown['forced_down'] is False
        r = ok(call(cloud, 'PUT', path, '2.53', {'forced_down': True}))
        assert r.json['service']['forced_down'] is True
        assert r.json['service']['state'] == 'down'
    finally:
        r = ok(call(cloud, 'PUT', path, '2.53', {'status': 'enabled', 'forced_down': False}))
    assert r.json['service']['status'] == 'enabled'
    assert r.json['service']['disabled_reason'] is None
    assert _service_rows(cloud) == before
