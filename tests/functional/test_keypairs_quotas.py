"""os-keypairs, limits and os-quota-sets against a running cloud, at each
microversion that changes them (bodies checked with Tempest's schemas and
against Nova's API samples), and quota on POST /servers: Nova's messages,
partial multi-create, and no over-quota instance under parallel creates."""
import base64
import concurrent.futures
import copy
import hashlib
import json
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization

from tests.cloud import ADMIN_TOKEN, Cloud, PROJECT, free_port, wait_for
from tests import reference, tempest_schemas

pytestmark = pytest.mark.xdist_group('test_keypairs_quotas')

KP, LIMITS, QUOTAS = ('keypairs_client.KeyPairsClient', 'limits_client.LimitsClient',
                      'quotas_client.QuotasClient')


def call(cloud, method, path, version='2.1', body=None, token=ADMIN_TOKEN):
    return cloud.request(method, '/v2.1/%s%s' % (PROJECT, path), body, token=token,
                         headers={'OpenStack-API-Version': 'compute %s' % version})


def token(user):
    return '%s:%s' % (user, PROJECT)


def sample_keys(area, version, name):
    """The keys of a Nova API sample body at that version (nearest folder)."""
    SAMPLES = reference.api_samples('doc')
    folders = sorted((p for p in (SAMPLES / area).iterdir() if p.is_dir()),
                     key=lambda p: tuple(int(x) for x in p.name[1:].split('.')))
    best = SAMPLES / area
    for f in folders:
        if tuple(int(x) for x in f.name[1:].split('.')) <= tuple(
                int(x) for x in version.split('.')):
            best = f
    body = json.loads((best / name).read_text())
    return set(next(iter(body.values())).get('absolute', next(iter(body.values()))))


def ssh_public_key():
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    text = key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode()
    digest = hashlib.md5(base64.b64decode(text.split()[1])).hexdigest()
    return text, ':'.join(digest[i:i + 2] for i in range(0, 32, 2))


# -- os-keypairs -------------------------------------------------------------------
@pytest.mark.parametrize('version', ['2.1', '2.2', '2.10', '2.35', '2.92'])
def test_keypair_lifecycle_per_version(module_cloud, version):
    c, user = module_cloud, token('kp%s' % version.replace('.', ''))
    created = 200 if version == '2.1' else 201
    if version != '2.92':
        r = call(c, 'POST', '/os-keypairs', version, {'keypair': {'name': 'gen'}}, user)
        assert r.status == created, r.raw
        tempest_schemas.check(KP, 'create_keypair', version, r)
        kp = r.json['keypair']
        assert kp['private_key'].startswith('-----BEGIN RSA PRIVATE KEY-----')
        assert kp['public_key'].startswith('ssh-rsa ')
    else:
        r = call(c, 'POST', '/os-keypairs', version, {'keypair': {'name': 'gen'}}, user)
        assert r.status == 400 and "'public_key' is a required property" in r.raw.decode()
    public, fingerprint = ssh_public_key()
    r = call(c, 'POST', '/os-keypairs', version,
             {'keypair': {'name': 'imp', 'public_key': public}}, user)
    assert r.status == created, r.raw
    tempest_schemas.check(KP, 'create_keypair', version, r)
    assert r.json['keypair']['fingerprint'] == fingerprint
    assert 'private_key' not in r.json['keypair']
    assert ('type' in r.json['keypair']) == (version != '2.1')

    r = call(c, 'GET', '/os-keypairs/imp', version, token=user)
    tempest_schemas.check(KP, 'get_keypair', version, r)
    kp = r.json['keypair']
    assert (kp['public_key'], kp['deleted'], kp['deleted_at']) == (public, False, None)
    assert kp['user_id'] == user.split(':')[0]

    r = call(c, 'GET', '/os-keypairs', version, token=user)
    tempest_schemas.check(KP, 'list_keypairs', version, r)
    names = [k['keypair']['name'] for k in r.json['keypairs']]
    assert names == (['imp'] if version == '2.92' else ['gen', 'imp'])

    for name in names:
        r = call(c, 'DELETE', '/os-keypairs/' + name, version, token=user)
        assert r.status == (202 if version == '2.1' else 204)
        tempest_schemas.check(KP, 'delete_keypair', version, r)
    r = call(c, 'GET', '/os-keypairs/imp', version, token=user)
    assert r.status == 404
    assert r.json['itemNotFound']['message'] == 'Keypair imp not found for user %s' % (
        user.split(':')[0])


def test_keypair_errors(module_cloud):
    c, user = module_cloud, token('kperr')
    public, _ = ssh_public_key()
    r = call(c, 'POST', '/os-keypairs', '2.2', {'keypair': {'name': 'k', 'public_key': public}},
             user)
    assert r.status == 201
    r = call(c, 'POST', '/os-keypairs', '2.2', {'keypair': {'name': 'k', 'public_key': public}},
             user)
    assert r.status == 409
    assert r.json == {'conflictingRequest': {'code': 409,
                                             'message': "Key pair 'k' already exists."}}
    r = call(c, 'POST', '/os-keypairs', '2.2',
             {'keypair': {'name': 'bad', 'public_key': 'ssh-rsa AAAAnope x'}}, user)
    assert r.status == 400
    assert r.json['badRequest']['message'] == \
        'Keypair data is invalid: failed to generate fingerprint'
    # the name pattern widens at 2.92; type appears at 2.2, user_id at 2.10
    for version, body, status in [
            ('2.91', {'name': 'a@b.c', 'public_key': public}, 400),
            ('2.92', {'name': 'a@b.c', 'public_key': public}, 201),
            ('2.1', {'name': 't', 'type': 'ssh'}, 400),
            ('2.9', {'name': 't', 'user_id': 'x'}, 400),
            ('2.2', {'name': 't', 'type': 'rsa'}, 400)]:
        r = call(c, 'POST', '/os-keypairs', version, {'keypair': body}, user)
        assert r.status == status, (version, body, r.raw)
    r = call(c, 'POST', '/os-keypairs', '2.2', {'keypair': {'name': 'cert', 'type': 'x509'}},
             user)
    assert r.status == 201 and r.json['keypair']['type'] == 'x509'
    assert r.json['keypair']['public_key'].startswith('-----BEGIN CERTIFICATE-----')
    assert len(r.json['keypair']['fingerprint'].split(':')) == 20      # SHA-1
    r = call(c, 'GET', '/os-keypairs', '2.2', token=user)
    assert sorted(k['keypair']['name'] for k in r.json['keypairs']) == ['a@b.c', 'cert', 'k']


def test_keypair_user_id_is_for_admins(module_cloud):
    c = module_cloud
    public, _ = ssh_public_key()
    r = call(c, 'POST', '/os-keypairs', '2.10',
             {'keypair': {'name': 'for-bob', 'public_key': public, 'user_id': 'bob'}})
    assert r.status == 201 and r.json['keypair']['user_id'] == 'bob'
    r = call(c, 'GET', '/os-keypairs', '2.10', token=token('bob'))
    assert [k['keypair']['name'] for k in r.json['keypairs']] == ['for-bob']
    r = call(c, 'GET', '/os-keypairs/for-bob?user_id=bob', '2.10')
    assert r.status == 200 and r.json['keypair']['user_id'] == 'bob'
    for method, path, body in [('GET', '/os-keypairs?user_id=bob', None),
                               ('GET', '/os-keypairs/for-bob?user_id=bob', None),
                               ('DELETE', '/os-keypairs/for-bob?user_id=bob', None),
                               ('POST', '/os-keypairs', {'keypair': {
                                   'name': 'x', 'public_key': public, 'user_id': 'bob'}})]:
        r = call(c, method, path, '2.10', body, token=token('mallory'))
        assert r.status == 403, (method, path)
        assert r.json['forbidden']['message'] == (
            "Policy doesn't allow os_compute_api:os-keypairs:%s to be performed."
            % {'GET': 'index' if '?' in path and path.count('/') == 1 else 'show',
               'DELETE': 'delete', 'POST': 'create'}[method])
    r = call(c, 'DELETE', '/os-keypairs/for-bob?user_id=bob', '2.10')
    assert r.status == 204


def test_keypair_pagination(module_cloud):
    c, user = module_cloud, token('kppage')
    for name in ('k3', 'k1', 'k2'):
        public, _ = ssh_public_key()
        call(c, 'POST', '/os-keypairs', '2.35', {'keypair': {'name': name,
                                                            'public_key': public}}, user)
    r = call(c, 'GET', '/os-keypairs?limit=2', '2.35', token=user)
    # Tempest has no 2.35 list schema (keypairs_links); Nova's sample has both keys
    assert set(r.json) == {'keypairs', 'keypairs_links'}
    assert [k['keypair']['name'] for k in r.json['keypairs']] == ['k1', 'k2']
    (link,) = r.json['keypairs_links']
    assert link['rel'] == 'next'
    assert link['href'].endswith('/v2.1/%s/os-keypairs?limit=2&marker=k2' % PROJECT)
    r = call(c, 'GET', '/os-keypairs?limit=2&marker=k2', '2.35', token=user)
    tempest_schemas.check(KP, 'list_keypairs', '2.35', r)
    assert [k['keypair']['name'] for k in r.json['keypairs']] == ['k3']
    assert 'keypairs_links' not in r.json
    r = call(c, 'GET', '/os-keypairs?marker=nope', '2.35', token=user)
    assert r.status == 400 and r.json['badRequest']['message'] == \
        'Marker nope could not be found.'
    # before 2.35 the parameters mean nothing
    r = call(c, 'GET', '/os-keypairs?limit=1', '2.34', token=user)
    assert len(r.json['keypairs']) == 3 and 'keypairs_links' not in r.json


def test_keypair_quota(module_cloud):
    c, user = module_cloud, token('kpquota')
    r = call(c, 'PUT', '/os-quota-sets/%s' % PROJECT, '2.1', {'quota_set': {'key_pairs': 2}})
    assert r.status == 200 and r.json['quota_set']['key_pairs'] == 2
    try:
        statuses = []
        for i in range(3):
            public, _ = ssh_public_key()
            r = call(c, 'POST', '/os-keypairs', '2.2',
                     {'keypair': {'name': 'q%d' % i, 'public_key': public}}, user)
            statuses.append(r.status)
        assert statuses == [201, 201, 403]
        assert r.json == {'forbidden': {'code': 403,
                                        'message': 'Quota exceeded, too many key pairs.'}}
    finally:
        assert call(c, 'DELETE', '/os-quota-sets/%s' % PROJECT).status == 202


# -- limits ----------------------------------------------------------------------------
@pytest.mark.parametrize('version', ['2.1', '2.36', '2.39', '2.57', '2.100'])
def test_limits_per_version(module_cloud, version):
    r = call(module_cloud, 'GET', '/limits', version, token=token('lim'))
    tempest_schemas.check(LIMITS, 'get_limit', version, r)
    assert r.json['limits']['rate'] == []
    absolute = r.json['limits']['absolute']
    assert set(absolute) == sample_keys('limits', version, 'limit-get-resp.json')
    assert (absolute['maxTotalInstances'], absolute['maxTotalCores'],
            absolute['maxTotalRAMSize'], absolute['maxServerMeta'],
            absolute['maxTotalKeypairs']) == (10, 20, 51200, 128, 100)


def test_limits_of_another_project_is_for_admins(module_cloud):
    other = 'f' * 32
    r = call(module_cloud, 'GET', '/limits?tenant_id=' + other, token=token('lim'))
    assert r.status == 403
    assert call(module_cloud, 'PUT', '/os-quota-sets/' + other,
                body={'quota_set': {'instances': 3}}).status == 200
    try:
        r = call(module_cloud, 'GET', '/limits?tenant_id=' + other)
        assert r.json['limits']['absolute']['maxTotalInstances'] == 3
    finally:
        call(module_cloud, 'DELETE', '/os-quota-sets/' + other)


# -- os-quota-sets ------------------------------------------------------------------------
@pytest.mark.parametrize('version', ['2.1', '2.36', '2.57'])
def test_quota_sets_show_defaults_detail(module_cloud, version):
    c, path = module_cloud, '/os-quota-sets/%s' % PROJECT
    r = call(c, 'GET', path, version, token=token('qs'))
    tempest_schemas.check(QUOTAS, 'get_quota_set', version, r)
    assert set(r.json['quota_set']) == sample_keys('os-quota-sets', version,
                                                   'quotas-show-get-resp.json')
    assert r.json['quota_set']['id'] == PROJECT
    r = call(c, 'GET', path + '/defaults', version, token=token('qs'))
    tempest_schemas.check(QUOTAS, 'get_quota_set', version, r)
    assert set(r.json['quota_set']) == sample_keys('os-quota-sets', version,
                                                   'quotas-show-defaults-get-resp.json')
    r = call(c, 'GET', path + '/detail', version, token=token('qs'))
    tempest_schemas.check(QUOTAS, 'get_quota_set_details', version, r)
    assert set(r.json['quota_set']) == sample_keys('os-quota-sets', version,
                                                   'quotas-show-detail-get-resp.json')
    assert r.json['quota_set']['instances'] == {'in_use': 0, 'limit': 10, 'reserved': 0}


@pytest.mark.parametrize('version', ['2.1', '2.36', '2.57'])
def test_quota_sets_update_and_revert(module_cloud, version):
    c, path = module_cloud, '/os-quota-sets/%s' % PROJECT
    r = call(c, 'PUT', path, version, {'quota_set': {'cores': '45', 'ram': -1}})
    assert r.status == 200, r.raw
    tempest_schemas.check(QUOTAS, 'update_quota_set', version, r)
    assert set(r.json['quota_set']) == sample_keys('os-quota-sets', version,
                                                   'quotas-update-post-resp.json')
    assert (r.json['quota_set']['cores'], r.json['quota_set']['ram']) == (45, -1)
    assert call(c, 'GET', path, version).json['quota_set']['cores'] == 45
    r = call(c, 'DELETE', path, version)
    assert r.status == 202
    tempest_schemas.check(QUOTAS, 'delete_quota', version, r)
    assert call(c, 'GET', path, version).json['quota_set']['cores'] == 20


def test_quota_sets_update_validation(module_cloud):
    c, path = module_cloud, '/os-quota-sets/%s' % PROJECT
    for version, body in [('2.1', {'instances': -2}), ('2.1', {'instances': 'x'}),
                          ('2.1', {'bogus': 1}), ('2.36', {'floating_ips': 1}),
                          ('2.57', {'injected_files': 1}), ('2.1', {'force': 'maybe'})]:
        r = call(c, 'PUT', path, version, {'quota_set': body})
        assert r.status == 400, (version, body)
    # the nova-network keys are accepted (and ignored) before 2.36
    r = call(c, 'PUT', path, '2.35', {'quota_set': {'floating_ips': 5, 'networks': 3}})
    assert r.status == 200 and r.json['quota_set']['floating_ips'] == -1
    r = call(c, 'PUT', path, '2.1', {'quota_set': {'instances': 1}}, token=token('qs'))
    assert r.status == 403
    assert r.json['forbidden']['message'] == \
        "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed."
    assert call(c, 'DELETE', path, token=token('qs')).status == 403
    assert call(c, 'GET', '/os-quota-sets/%s' % ('e' * 32), token=token('qs')).status == 403


# -- quota on POST /servers -------------------------------------------------------------
def _live_instances(cloud, project=PROJECT):
    return cloud.query('SELECT count(*) FROM instances WHERE project_id = :p AND deleted = 0',
                       p=project)[0][0]


def test_server_create_quota(module_cloud):
    c, path = module_cloud, '/os-quota-sets/%s' % PROJECT
    assert call(c, 'PUT', path, body={'quota_set': {'instances': 2, 'metadata_items': 1}}
                ).status == 200
    servers = []
    try:
        # max_count beyond the quota, min_count within: as many as fit
        r = c.boot('multi', min_count=1, max_count=5, return_reservation_id=True)
        assert r.status == 202, r.raw
        listed = c.request('GET', c.servers_path('?reservation_id=%s'
                                                 % r.json['reservation_id'])).json['servers']
        servers = [s['id'] for s in listed]
        assert sorted(s['name'] for s in listed) == ['multi-1', 'multi-2']
        r = c.boot('one')
        assert r.status == 403
        assert r.json == {'forbidden': {'code': 403, 'message':
                          'Quota exceeded for instances: Requested 1, but already used '
                          '2 of 2 instances'}}
        r = c.boot('range', min_count=2, max_count=3)
        assert r.json['forbidden']['message'] == ('Quota exceeded for instances: Requested '
                                                  '2-3, but already used 2 of 2 instances')
        r = call(c, 'GET', '/limits', '2.57')
        assert r.json['limits']['absolute']['totalInstancesUsed'] == 2
        assert r.json['limits']['absolute']['totalRAMUsed'] == 1024
        r = call(c, 'GET', path + '/detail', '2.57')
        assert r.json['quota_set']['instances'] == {'in_use': 2, 'limit': 2, 'reserved': 0}
        # a limit below what is in use needs force
        r = call(c, 'PUT', path, body={'quota_set': {'instances': 1}})
        assert r.status == 400 and r.json['badRequest']['message'] == (
            'Quota limit 1 for instances must be greater than or equal to already '
            'used and reserved 2.')
        assert call(c, 'PUT', path, body={'quota_set': {'instances': 1, 'force': True}}
                    ).status == 200
        # several resources over at once are all named
        assert call(c, 'PUT', path, body={'quota_set': {'instances': -1, 'cores': 3,
                                                        'ram': 4096}}).status == 200
        r = c.boot('big', flavor='2', min_count=2, max_count=2)
        assert r.json['forbidden']['message'] == (
            'Quota exceeded for cores, ram: Requested 4, 8192, but already used 2, 1024 '
            'of 3, 4096 cores, ram')
        r = c.boot('meta', metadata={'a': '1', 'b': '2'})
        assert r.status == 403 and r.json['forbidden']['message'] == \
            'Maximum number of metadata items exceeds 1'
        assert _live_instances(c) == 2
    finally:
        for sid in servers:
            c.request('DELETE', c.servers_path('/' + sid))
        for sid in servers:
            c.wait_gone(sid)
        call(c, 'DELETE', path)


# -- concurrency -------------------------------------------------------------------------
def _second_api(cloud):
    """Another novalite-api process on the same database: the quota must hold
    across processes, not only across one process's threads."""
    port = free_port()
    conf = cloud.tmp / 'api2.conf'
    conf.write_text(cloud.conf.read_text().replace(
        'osapi_compute_listen_port = %d' % cloud.port, 'osapi_compute_listen_port = %d' % port))
    cloud._spawn('api2', 'novalite-api', conf)
    api2 = copy.copy(cloud)
    api2.base = 'http://127.0.0.1:%d' % port
    wait_for(api2._api_up, 60, what='second novalite-api')
    return api2


def test_parallel_creates_never_exceed_the_quota(db_url, rabbit_url, tmp_path):
    cloud = Cloud(tmp_path, db_url, rabbit_url)
    try:
        cloud.start()
        cloud.manage('flavor', 'create', '--id', '1', '--ram', '64', '--vcpus', '1',
                     '--disk', '1', 'm1.nano')
        img = tmp_path / 'image.raw'
        img.write_bytes(b'\0' * 4096)
        cloud.image_id = cloud.manage('image', 'import', 'img', str(img))
        apis = [cloud, _second_api(cloud)]
        assert call(cloud, 'PUT', '/os-quota-sets/%s' % PROJECT,
                    body={'quota_set': {'instances': 5}}).status == 200
        n = 12
        start = threading.Barrier(n)

        def boot(i):
            start.wait()
            return apis[i % 2].boot('par%d' % i)
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            results = list(pool.map(boot, range(n)))
        statuses = sorted(r.status for r in results)
        assert statuses == [202] * 5 + [403] * 7, [(r.status, r.raw) for r in results]
        assert {r.json['forbidden']['message'] for r in results if r.status == 403} == {
            'Quota exceeded for instances: Requested 1, but already used 5 of 5 instances'}
        assert _live_instances(cloud) == 5
        assert cloud.query('SELECT count(*) FROM instances')[0][0] == 5  # none made, undone
        for r in results:     # and the five build (a stop during builds is slow)
            if r.status == 202:
                assert cloud.wait_status(r.json['server']['id'])['status'] == 'ACTIVE'
    finally:
        cloud.stop()


def test_instances_allowed_takes_the_tightest_limit():
    from novalite import exception, quota
    flavor = {'vcpus': 2, 'memory_mb': 1024}
    limits = {'instances': -1, 'cores': 9, 'ram': -1}
    usage = {'instances': 3, 'cores': 4, 'ram': 3072}
    assert quota.instances_allowed(limits, usage, flavor, 1, 10) == 2   # cores: (9-4)//2
    assert quota.instances_allowed(dict(limits, cores=-1), usage, flavor, 1, 10) == 10
    with pytest.raises(exception.TooManyInstances) as e:
        quota.instances_allowed(limits, usage, flavor, 3, 3)
    assert str(e.value) == ('Quota exceeded for cores: Requested 6, but already used 4 '
                            'of 9 cores')


def test_server_boots_with_its_users_key(module_cloud):
    """key_name on create: the caller's own key pair is copied onto the instance
    (key_name in the view, key_data stored); another user's key is invalid."""
    c = module_cloud
    public, _fingerprint = ssh_public_key()
    assert call(c, 'POST', '/os-keypairs', '2.2', {'keypair': {
        'name': 'boot-key', 'public_key': public}}).status == 201
    r = c.boot('keyed', key_name='boot-key')
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    assert c.wait_status(sid, ('ACTIVE',))['key_name'] == 'boot-key'
    assert c.query('SELECT key_name, key_data FROM instances WHERE uuid = :u', u=sid) == [
        ('boot-key', public)]
    # key pairs belong to users: 'demo' cannot boot with admin's key
    r = c.request('POST', c.servers_path(), {'server': {
        'name': 'stolen-key', 'imageRef': c.image_id, 'flavorRef': '1', 'networks': 'none',
        'key_name': 'boot-key'}}, token=token('demo'))
    assert r.status == 400 and r.json['badRequest']['message'] == 'Invalid key_name provided.'
    assert c.request('DELETE', c.servers_path('/' + sid)).status == 204
    c.wait_gone(sid)
    assert call(c, 'DELETE', '/os-keypairs/boot-key', '2.2').status == 204
