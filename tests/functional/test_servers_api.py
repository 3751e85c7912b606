"""The /servers API per microversion (2.1-2.100) and on the legacy /v2
endpoint: request schemas, response bodies (Tempest's response schemas and
Nova's api_samples key sets), list filters and pagination, PUT.

One running cloud for the module; every test works in a project of its own
so quotas and listings never interfere, and deletes what it boots.
"""
import datetime
import json
import re
import uuid

import pytest

from tests import reference, tempest_schemas
from tests.cloud import wait_for

pytestmark = pytest.mark.xdist_group('test_servers_api')

CLIENT = 'servers_client.ServersClient'
TEMPLATES = reference.api_samples('templates') / 'servers'


class Api:
    """A caller in a project of its own: admin or member, at a microversion."""

    def __init__(self, cloud, project=None, admin=True):
        self.cloud = cloud
        self.project = project or uuid.uuid4().hex
        self.token = '%s:%s' % ('admin' if admin else 'demo', self.project)

    def as_member(self):
        return Api(self.cloud, self.project, admin=False)

    def path(self, suffix='', legacy=False):
        return '/%s/%s/servers%s' % ('v2' if legacy else 'v2.1', self.project, suffix)

    def call(self, method, suffix='', body=None, version=None, legacy=False):
        headers = {'OpenStack-API-Version': 'compute %s' % version} if version else {}
        return self.cloud.request(method, self.path(suffix, legacy), body, token=self.token,
                                  headers=headers)

    def boot(self, version='2.1', check=True, **server):
        body = {'server': dict({'name': 'vm', 'imageRef': self.cloud.image_id,
                                'flavorRef': '1', 'networks': 'none'}, **server)}
        r = self.call('POST', body=body, version=version)
        if check:
            assert r.status == 202, r.raw
        return r

    def wait(self, sid, statuses=('ACTIVE', 'ERROR')):
        def done():
            r = self.call('GET', '/' + sid)
            return r.json['server'] if r.json['server']['status'] in statuses else None
        return wait_for(done, 30, what='server %s' % sid)

    def delete_all(self):
        for s in self.call('GET').json['servers']:
            self.call('DELETE', '/' + s['id'])
        wait_for(lambda: not self.call('GET').json['servers'], 30, what='servers deleted')


@pytest.fixture
def api(module_cloud):
    a = Api(module_cloud)
    yield a
    a.delete_all()


def template_keys(name, version=None):
    """Key sets of the (first) server in an api_samples template, and of its flavor/image."""
    path = TEMPLATES / ('v%s' % version if version else '') / name
    text = re.sub(r'"%\((\w+)\)s"', '"x"', path.read_text())
    text = re.sub(r'%\((\w+)\)s', '0', text)
    body = json.loads(text)
    return key_sets(body['server'] if 'server' in body else body['servers'][0])


def check_create(response):
    # Tempest validates every create with its 2.1 schema, whatever the version.
    tempest_schemas.check(CLIENT, 'create_server_with_admin_pass', '2.1', response)


def key_sets(server):
    out = {'server': set(server)}
    for key in ('flavor', 'image'):
        if isinstance(server.get(key), dict):
            out[key] = set(server[key])
    return out


# -- POST /servers: request schemas per microversion ----------------------------
def _bdm_image(cloud, **extra):
    return [dict({'source_type': 'image', 'destination_type': 'local', 'boot_index': 0,
                  'uuid': cloud.image_id, 'delete_on_termination': True}, **extra)]


def create_cases(cloud):
    """(version, server fields, expected status, message fragment or None)."""
    big_tags = ['t%d' % i for i in range(51)]
    return [
        ('2.1', {'description': 'd'}, 400, "'description' was unexpected"),
        ('2.19', {'description': 'd'}, 202, None),
        ('2.19', {'description': 'x' * 256}, 400, 'description'),
        ('2.51', {'tags': ['a']}, 400, "'tags' was unexpected"),
        ('2.52', {'tags': ['a', 'b']}, 202, None),
        ('2.52', {'tags': big_tags}, 400, 'is too long'),
        ('2.52', {'tags': ['a/b']}, 400, "does not match '^[^,/]*$'"),
        ('2.52', {'tags': ['x' * 61]}, 400, 'is too long'),
        ('2.31', {'block_device_mapping_v2': _bdm_image(cloud, tag='root')}, 400,
         "'tag' was unexpected"),
        ('2.32', {'block_device_mapping_v2': _bdm_image(cloud, tag='root')}, 202, None),
        ('2.33', {'block_device_mapping_v2': _bdm_image(cloud, tag='root')}, 400,
         "'tag' was unexpected"),
        ('2.41', {'block_device_mapping_v2': _bdm_image(cloud, tag='root')}, 400,
         "'tag' was unexpected"),
        ('2.42', {'block_device_mapping_v2': _bdm_image(cloud, tag='root')}, 202, None),
        ('2.1', {'networks': 'auto'}, 202, None),
        ('2.37', {'networks': [{'uuid': 'not-a-uuid'}]}, 400, "is not a 'uuid'"),
        ('2.56', {'personality': [{'path': '/etc/motd', 'contents': 'aGk='}]}, 202, None),
        ('2.57', {'personality': [{'path': '/etc/motd', 'contents': 'aGk='}]}, 400,
         "'personality' was unexpected"),
        ('2.62', {'trusted_image_certificates': ['cert-1']}, 400, 'was unexpected'),
        ('2.63', {'trusted_image_certificates': ['cert-1']}, 202, None),
        ('2.63', {'trusted_image_certificates': []}, 400, 'trusted_image_certificates'),
        ('2.66', {'block_device_mapping_v2': _bdm_image(cloud, volume_type='fast')}, 400,
         "'volume_type' was unexpected"),
        ('2.67', {'block_device_mapping_v2': _bdm_image(cloud, volume_type=None)}, 202, None),
        ('2.73', {'host': 'compute1'}, 400, "'host' was unexpected"),
        ('2.74', {'host': 'compute1'}, 202, None),
        ('2.74', {'host': 'nosuchhost'}, 400, 'Compute host nosuchhost could not be found.'),
        ('2.74', {'hypervisor_hostname': 'bad/name'}, 400, 'hypervisor_hostname'),
        ('2.89', {'hostname': 'h1'}, 400, "'hostname' was unexpected"),
        ('2.90', {'hostname': 'my-host'}, 202, None),
        ('2.90', {'hostname': 'my.host'}, 400, 'hostname'),
        ('2.90', {'hostname': 'hh', 'max_count': 2}, 400,
         'Unable to set hostname with multiple instances.'),
        ('2.94', {'hostname': 'my.host.example'}, 202, None),
        ('2.100', {'tags': ['z']}, 202, None),
        ('2.1', {'key_name': 'nokey'}, 400, 'Invalid key_name provided.'),
        ('2.1', {'user_data': 'not base64!'}, 400, 'user_data'),
        ('2.1', {'user_data': 'a' * 65536}, 400, 'user_data'),
        ('2.1', {'user_data': 'aGVsbG8='}, 202, None),
        ('2.1', {'metadata': {'k': 'x' * 256}}, 400, 'is too long'),
        ('2.1', {'block_device_mapping_v2': [{'source_type': 'volume', 'uuid': cloud.image_id,
                                              'destination_type': 'volume',
                                              'boot_index': 0}]}, 400, 'Block Device Mapping'),
        ('2.1', {'imageRef': '', 'block_device_mapping_v2': _bdm_image(cloud)}, 202, None),
        ('2.1', {'availability_zone': 'nova:compute1'}, 202, None),
        ('2.1', {'availability_zone': 'elsewhere'}, 400, None),
        ('2.1', {'os:scheduler_hints': 'x'}, 400, None),
    ]


def written_rows(cloud):
    """Rows a create writes synchronously (builds of earlier servers keep adding
    action events in the background, so those are not counted)."""
    return {t: n for t, n in cloud.row_counts().items()
            if t in ('instances', 'instance_metadata')}


def test_create_request_schema_per_microversion(api):
    cloud = api.cloud
    for version, fields, code, message in create_cases(cloud):
        before = written_rows(cloud)
        hints = fields.pop('os:scheduler_hints', None)
        body = {'server': dict({'name': 'c', 'imageRef': cloud.image_id, 'flavorRef': '1',
                                'networks': 'none'}, **fields)}
        if hints is not None:
            body['os:scheduler_hints'] = hints
        r = api.call('POST', body=body, version=version)
        assert r.status == code, (version, fields, r.raw)
        if code == 202:
            check_create(r)
            api.call('DELETE', '/' + r.json['server']['id'])
        else:
            assert written_rows(cloud) == before, (version, fields)
            if message:
                assert message in r.json['badRequest']['message'], (version, fields, r.json)


def test_networks_required_from_237(api):
    body = {'server': {'name': 'n', 'imageRef': api.cloud.image_id, 'flavorRef': '1'}}
    assert api.call('POST', body=body, version='2.36').status == 202
    r = api.call('POST', body=body, version='2.37')
    assert r.status == 400
    assert "'networks' is a required property" in r.json['badRequest']['message']


def test_create_policies_for_hosts(api):
    member = api.as_member()
    r = member.boot(check=False, availability_zone='nova:compute1')
    assert r.status == 403, r.raw
    r = member.boot(version='2.74', check=False, host='compute1')
    assert r.status == 403, r.raw
    assert 'compute:servers:create:requested_destination' in r.json['forbidden']['message']
    assert api.cloud.query("SELECT count(*) FROM instances WHERE project_id = :p",
                           p=api.project) == [(0,)]


def test_multi_create_and_reservation_id(api):
    r = api.boot(name='multi', min_count=2, max_count=3, return_reservation_id=True)
    assert set(r.json) == {'reservation_id'}
    resv = r.json['reservation_id']
    assert re.fullmatch('r-[a-z0-9]{8}', resv)
    listed = api.call('GET', '/detail?reservation_id=' + resv).json['servers']
    assert sorted(s['name'] for s in listed) == ['multi-1', 'multi-2', 'multi-3']
    admin_view = api.call('GET', '/detail?reservation_id=%s' % resv, version='2.3')
    tempest_schemas.check(CLIENT, 'list_servers_detail', '2.3', admin_view)
    assert sorted(s['OS-EXT-SRV-ATTR:launch_index']
                  for s in admin_view.json['servers']) == [0, 1, 2]
    assert {s['OS-EXT-SRV-ATTR:reservation_id'] for s in admin_view.json['servers']} == {resv}


def test_legacy_v2_relaxed_schema(api):
    body = {'server': {'name': '  spaced  ', 'imageRef': api.cloud.image_id, 'flavorRef': '1',
                       'unknown_extension_field': {'x': 1}, 'key_name': None}}
    body['server'].pop('key_name')
    r = api.call('POST', body=body, legacy=True)
    assert r.status == 202, r.raw
    assert 'OpenStack-API-Version' not in r.headers
    sid = r.json['server']['id']
    assert api.call('GET', '/' + sid, legacy=True).json['server']['name'] == 'spaced'
    # neither the spaces nor the unknown field pass on /v2.1
    r = api.call('POST', body=body)
    assert r.status == 400
    assert "'  spaced  ' does not match" in r.json['badRequest']['message']
    body['server']['name'] = 'spaced'
    r = api.call('POST', body=body)
    assert r.status == 400
    assert "'unknown_extension_field' was unexpected" in r.json['badRequest']['message']
    # metadata keys keep their pattern on /v2 too
    bad = {'server': dict(body['server'], name='x', metadata={'bad/key': 'v'})}
    r = api.call('POST', body=bad, legacy=True)
    assert r.status == 400, r.raw
    r = api.call('PUT', '/' + sid, {'server': {'name': ' renamed ', 'other': 1}}, legacy=True)
    assert r.status == 200, r.raw
    assert r.json['server']['name'] == 'renamed'


# -- responses per microversion -------------------------------------------------
VIEW_VERSIONS = ['2.1', '2.3', '2.9', '2.16', '2.19', '2.26', '2.47', '2.52', '2.63', '2.71',
                 '2.73', '2.75', '2.90', '2.94', '2.96', '2.98', '2.100']


def sample_templates(name):
    """(version or None, template key sets) of every api_samples template ``name``
    at a version this module views (2.69 is the down-cell view: not served)."""
    out = [(None, template_keys(name))]
    for version in VIEW_VERSIONS:
        if (TEMPLATES / ('v' + version) / name).exists():
            out.append((version, template_keys(name, version)))
    return out


def test_views_per_microversion(api):
    r = api.boot('2.100', name='viewed', description='a description', tags=['t1'],
                 trusted_image_certificates=['c1'], availability_zone='nova',
                 metadata={'My Server Name': 'Apache1'},
                 **{'OS-DCF:diskConfig': 'AUTO'})
    sid = r.json['server']['id']
    body = {'server': dict(r.json['server'])}
    assert api.wait(sid)['status'] == 'ACTIVE'
    member = api.as_member()
    seen = {}
    for version in VIEW_VERSIONS:
        for who, caller in (('admin', api), ('member', member)):
            show = caller.call('GET', '/' + sid, version=version)
            assert show.status == 200, show.raw
            tempest_schemas.check(CLIENT, 'get_server', version, show)
            detail = caller.call('GET', '/detail', version=version)
            tempest_schemas.check(CLIENT, 'list_servers_detail', version, detail)
            listed = caller.call('GET', '', version=version)
            tempest_schemas.check(CLIENT, 'list_servers', version, listed)
            assert [s['id'] for s in listed.json['servers']] == [sid]
            seen[(version, who)] = show.json['server']
            seen[(version, who, 'detail')] = detail.json['servers'][0]
            seen[(version, who, 'list')] = listed.json['servers'][0]
            in_list = dict(detail.json['servers'][0])
            in_list.pop('server_groups', None)
            expected = dict(show.json['server'])
            expected.pop('server_groups', None)
            assert in_list == expected, version
    assert 'OS-EXT-SRV-ATTR:host' in seen[('2.1', 'admin')]
    assert 'OS-EXT-SRV-ATTR:reservation_id' not in seen[('2.1', 'admin')]
    assert 'OS-EXT-SRV-ATTR:reservation_id' in seen[('2.3', 'admin')]
    assert 'OS-EXT-SRV-ATTR:host' not in seen[('2.3', 'member')]
    assert seen[('2.9', 'member')]['locked'] is False
    assert seen[('2.16', 'admin')]['host_status'] == 'UP'
    assert 'host_status' not in seen[('2.16', 'member')]
    assert seen[('2.19', 'member')]['description'] == 'a description'
    assert seen[('2.26', 'member')]['tags'] == ['t1']
    assert seen[('2.47', 'member')]['flavor'] == {
        'vcpus': 1, 'ram': 512, 'disk': 1, 'ephemeral': 0, 'swap': 0,
        'original_name': 'm1.tiny', 'extra_specs': {}}
    assert seen[('2.63', 'member')]['trusted_image_certificates'] == ['c1']
    assert seen[('2.71', 'member')]['server_groups'] == []
    assert seen[('2.73', 'member')]['locked_reason'] is None
    assert seen[('2.90', 'member')]['OS-EXT-SRV-ATTR:hostname'] == 'viewed'
    assert seen[('2.96', 'member')]['pinned_availability_zone'] == 'nova'
    assert seen[('2.98', 'member')]['image']['properties'] == {'os_distro': 'test'}
    assert 'properties' not in seen[('2.96', 'member')]['image']
    assert seen[('2.100', 'member')]['scheduler_hints'] == {}

    # tag filters from 2.26 (ignored before), locked from 2.73
    def listed_ids(query, version):
        r = member.call('GET', query, version=version)
        assert r.status == 200, r.raw
        return [s['id'] for s in r.json['servers']]
    for query, found in (('?tags=t1', True), ('?tags=nope', False), ('?tags-any=x,t1', True),
                         ('?not-tags=t1', False), ('?not-tags-any=x', True)):
        assert listed_ids(query, '2.26') == ([sid] if found else []), query
    assert listed_ids('?tags=nope', '2.25') == [sid]
    assert listed_ids('?locked=true', '2.73') == []
    assert listed_ids('?locked=false', '2.73') == [sid]
    assert listed_ids('?locked=true', '2.72') == [sid]

    # key sets match Nova's api_samples both ways (admin's view when the
    # sample shows OS-EXT-SRV-ATTR:host, a member's otherwise)
    for name, kind in (('server-get-resp.json.tpl', ()),
                       ('servers-details-resp.json.tpl', ('detail',)),
                       ('servers-list-resp.json.tpl', ('list',))):
        for version, keys in sample_templates(name):
            who = 'admin' if 'OS-EXT-SRV-ATTR:host' in keys['server'] else 'member'
            got = seen[(version or '2.1', who) + kind]
            assert key_sets(got) == keys, (name, version)
    create_tpl = template_keys('server-create-resp.json.tpl', '2.100')
    assert key_sets(body['server']) == create_tpl


def test_host_status_and_hints_from_request(api):
    first = api.boot()
    sid = first.json['server']['id']
    body = {'server': {'name': 'hinted', 'imageRef': api.cloud.image_id, 'flavorRef': '1',
                       'networks': 'none'},
            'os:scheduler_hints': {'same_host': [sid]}}
    r = api.call('POST', body=body, version='2.100')
    assert r.status == 202, r.raw
    hinted = api.call('GET', '/' + r.json['server']['id'], version='2.100')
    tempest_schemas.check(CLIENT, 'get_server', '2.100', hinted)
    assert hinted.json['server']['scheduler_hints'] == {'same_host': [sid]}
    assert hinted.json['server']['pinned_availability_zone'] is None


# -- GET /servers filters and pagination ----------------------------------------
def test_list_filters(api):
    cloud = api.cloud
    t0 = datetime.datetime.utcnow().replace(microsecond=0) - datetime.timedelta(seconds=2)
    ids = {}
    for name, flavor in (('web-1', '1'), ('web-2', '1'), ('db-1', '2')):
        ids[name] = api.boot(name=name, flavorRef=flavor).json['server']['id']
    for sid in ids.values():
        api.wait(sid)

    def names(query, version='2.1', caller=api):
        r = caller.call('GET', query, version=version)
        assert r.status == 200, (query, r.raw)
        tempest_schemas.check(CLIENT, 'list_servers' if not query.startswith('/detail')
                              else 'list_servers_detail', version, r)
        return sorted(s['name'] for s in r.json['servers'])

    assert names('?name=^web') == ['web-1', 'web-2']
    assert names('/detail?name=1$') == ['db-1', 'web-1']
    assert names('?status=ACTIVE') == ['db-1', 'web-1', 'web-2']
    assert names('?status=SHUTOFF') == []
    # several statuses: any of them (Nova's getall); an unknown one among them is ignored
    assert names('?status=SHUTOFF&status=ACTIVE') == ['db-1', 'web-1', 'web-2']
    assert names('?status=ERROR&status=bogus', version='2.38') == []
    assert names('/detail?status=ACTIVE&status=ERROR&name=^web') == ['web-1', 'web-2']
    assert names('?status=bogus', version='2.37') == []
    r = api.call('GET', '?status=bogus', version='2.38')
    assert r.status == 400 and 'Invalid status value' in r.json['badRequest']['message']
    assert names('?flavor=2') == ['db-1']
    assert names('?image=' + cloud.image_id) == ['db-1', 'web-1', 'web-2']
    assert names('?image=' + str(uuid.uuid4())) == []
    since = (t0 - datetime.timedelta(seconds=1)).isoformat() + 'Z'
    assert names('?changes-since=' + since) == ['db-1', 'web-1', 'web-2']
    future = (datetime.datetime.utcnow() + datetime.timedelta(hours=1)).isoformat()
    assert names('?changes-since=' + future) == []
    assert names('?changes-before=' + since, version='2.66') == []
    assert names('?changes-before=%s&changes-since=%s' % (future, since),
                 version='2.66') == ['db-1', 'web-1', 'web-2']
    r = api.call('GET', '?changes-since=%s&changes-before=%s' % (future, since), version='2.66')
    assert r.status == 400
    assert api.call('GET', '?changes-since=yesterday').status == 400
    assert names('?deleted=False') == ['db-1', 'web-1', 'web-2']

    # unknown parameters: ignored below 2.75, refused from 2.75
    assert names('?foo=bar', version='2.74') == ['db-1', 'web-1', 'web-2']
    r = api.call('GET', '?foo=bar', version='2.75')
    assert r.status == 400
    assert "'foo' was unexpected" in r.json['badRequest']['message']
    assert names('?name=web&sort_dir=desc', version='2.75') == ['web-1', 'web-2']

    # sorting: by any valid key and direction, paged in that order
    def ordered(query, version='2.1', caller=api):
        r = caller.call('GET', query, version=version)
        assert r.status == 200, (query, r.raw)
        return [s['name'] for s in r.json['servers']]

    assert ordered('?sort_key=display_name&sort_dir=asc') == ['db-1', 'web-1', 'web-2']
    assert ordered('?sort_key=display_name', version='2.75') == ['web-2', 'web-1', 'db-1']
    first = api.call('GET', '?sort_key=display_name&sort_dir=asc&limit=1').json
    assert [s['name'] for s in first['servers']] == ['db-1']
    assert ordered('?sort_key=display_name&sort_dir=asc&limit=1&marker=' +
                   first['servers'][0]['id']) == ['web-1']
    assert ordered('?sort_key=vcpus&sort_key=display_name&sort_dir=asc&sort_dir=asc',
                   version='2.74') == ['db-1', 'web-1', 'web-2']     # vcpus ignored
    assert api.call('GET', '?sort_key=vcpus', version='2.75').status == 400
    assert api.call('GET', '?sort_key=nonsense', version='2.1').status == 400
    assert api.call('GET', '?sort_key=display_name&sort_dir=up').status == 400
    r = api.as_member().call('GET', '?sort_key=host')
    assert r.status == 403 and 'sort servers by host' in r.json['forbidden']['message']

    # pagination: newest first, a next link while pages are full
    r = api.call('GET', '?limit=2')
    page1 = r.json['servers']
    assert [s['name'] for s in page1] == ['db-1', 'web-2']
    link = r.json['servers_links'][0]
    assert link['rel'] == 'next' and 'marker=%s' % page1[-1]['id'] in link['href']
    tempest_schemas.check(CLIENT, 'list_servers', '2.1', r)
    r = api.call('GET', '?limit=2&marker=' + page1[-1]['id'])
    assert [s['name'] for s in r.json['servers']] == ['web-1']
    assert 'servers_links' not in r.json
    r = api.call('GET', '?marker=' + str(uuid.uuid4()))
    assert r.status == 400
    assert api.call('GET', '?limit=-1').status == 400

    # other projects: invisible, 404, all_tenants for admins only
    other = Api(cloud)
    try:
        other_id = other.boot(name='elsewhere').json['server']['id']
        assert api.call('GET', '/' + other_id).status == 200       # admin sees it
        member = api.as_member()
        assert member.call('GET', '/' + other_id).status == 404
        assert member.call('DELETE', '/' + other_id).status == 404
        assert member.call('PUT', '/' + other_id, {'server': {'name': 'x'}}).status == 404
        assert 'elsewhere' not in names('')
        assert 'elsewhere' in names('?all_tenants=1')
        assert names('?all_tenants=1&project_id=' + other.project) == ['elsewhere']
        r = member.call('GET', '?all_tenants=1')
        assert r.status == 403, r.raw
        assert api.call('GET', '?all_tenants=maybe').status == 400
        # a member's host filter is dropped, not applied
        assert names('?host=nowhere', caller=member) == ['db-1', 'web-1', 'web-2']
        assert names('?host=nowhere') == []
    finally:
        other.delete_all()

    # deleted servers show up in changes-since, as DELETED
    api.call('DELETE', '/' + ids['web-1'])
    wait_for(lambda: api.call('GET', '/' + ids['web-1']).status == 404, 30, what='deleted')
    r = api.call('GET', '/detail?changes-since=' + since)
    statuses = {s['name']: s['status'] for s in r.json['servers']}
    assert statuses['web-1'] == 'DELETED'
    assert names('?deleted=True') == ['web-1']


# -- PUT /servers/{id} ------------------------------------------------------------
def test_update_per_microversion(api):
    sid = api.boot(name='before').json['server']['id']
    api.wait(sid)

    def put(server, version):
        return api.call('PUT', '/' + sid, {'server': server}, version=version)

    r = put({'name': 'renamed'}, '2.1')
    assert r.status == 200, r.raw
    tempest_schemas.check(CLIENT, 'update_server', '2.1', r)
    assert r.json['server']['name'] == 'renamed'
    assert key_sets(r.json['server']) == template_keys('server-update-resp.json.tpl')
    assert put({'description': 'x'}, '2.18').status == 400
    r = put({'description': 'described'}, '2.19')
    tempest_schemas.check(CLIENT, 'update_server', '2.19', r)
    assert r.json['server']['description'] == 'described'
    for version in ('2.47', '2.71', '2.73'):
        r = put({'name': 'n' + version}, version)
        tempest_schemas.check(CLIENT, 'update_server', version, r)
        assert key_sets(r.json['server']) == template_keys('server-update-resp.json.tpl',
                                                            version), version
        assert 'OS-EXT-STS:vm_state' not in r.json['server']
    r = put({'name': 'full'}, '2.75')
    tempest_schemas.check(CLIENT, 'update_server', '2.75', r)
    assert key_sets(r.json['server']) == template_keys('server-update-resp.json.tpl', '2.75')
    assert r.json['server'] == dict(api.call('GET', '/' + sid, version='2.75').json['server'],
                                    updated=r.json['server']['updated'])
    assert put({'hostname': 'new-host'}, '2.89').status == 400
    r = put({'hostname': 'new-host'}, '2.90')
    tempest_schemas.check(CLIENT, 'update_server', '2.90', r)
    assert r.json['server']['OS-EXT-SRV-ATTR:hostname'] == 'new-host'
    assert put({'hostname': 'a.b.c'}, '2.90').status == 400
    r = put({'hostname': 'a.b.c'}, '2.94')
    assert r.status == 200 and r.json['server']['OS-EXT-SRV-ATTR:hostname'] == 'a.b.c'
    r = put({'name': 'latest'}, '2.100')
    tempest_schemas.check(CLIENT, 'update_server', '2.100', r)
    # every api_samples update response, as admin or member like the sample
    versions = [('2.19', 'server-put-resp.json.tpl')] + [
        (v, 'server-update-resp.json.tpl') for v in VIEW_VERSIONS
        if (TEMPLATES / ('v' + v) / 'server-update-resp.json.tpl').exists()]
    for version, name in versions:
        keys = template_keys(name, version)
        caller = api if 'OS-EXT-SRV-ATTR:host' in keys['server'] else api.as_member()
        r = caller.call('PUT', '/' + sid, {'server': {'name': 'v' + version}}, version=version)
        tempest_schemas.check(CLIENT, 'update_server', version, r)
        assert key_sets(r.json['server']) == keys, version
    r = api.call('POST', '/%s/action' % sid, {'reboot': {'type': 'HARD'}})
    assert r.status == 400
    assert r.json['badRequest']['message'] == 'There is no such action: reboot'
    r = api.call('POST', '/%s/action' % sid, {'os-getConsoleOutput': {'length': 'x'}})
    assert r.status == 400
    r = api.call('POST', '/%s/action' % sid, {'os-getConsoleOutput': {'length': 5}})
    assert r.status == 200 and isinstance(r.json['output'], str), r.raw
    assert put({'name': ' lead'}, '2.1').status == 400
    assert put({'bogus': 1}, '2.1').status == 400


def test_ip_filters_match_fixed_addresses(api):
    """``ip``/``ip6`` are regexes over the server's fixed IPv4/IPv6 addresses (ip6
    for non-admins from 2.5)."""
    wired = api.boot(name='wired', networks='auto').json['server']['id']
    unwired = api.boot(name='unwired').json['server']['id']
    server = api.wait(wired)
    api.wait(unwired)
    addr = [a['addr'] for net in server['addresses'].values() for a in net][0]
    member = api.as_member()

    def names(query, caller=api, version='2.1'):
        r = caller.call('GET', query, version=version)
        assert r.status == 200, (query, r.raw)
        return sorted(s['name'] for s in r.json['servers'])

    assert names('?ip=%s$' % addr.replace('.', r'\.')) == ['wired']
    assert names('?ip=%s' % addr.rsplit('.', 1)[0], caller=member) == ['wired']
    assert names('?ip=^192%5C.0%5C.2%5C.') == []
    assert names('?ip6=.', caller=member, version='2.5') == []
    assert names('?ip6=.', caller=member, version='2.4') == ['unwired', 'wired']  # ignored
    assert api.call('GET', '?ip=(').status == 400
