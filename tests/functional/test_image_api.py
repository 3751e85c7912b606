"""The /image endpoint: Glance v2's images API over the built-in store, driven
over HTTP as clients drive it, then booting from an image made through it and
the real ``openstack`` CLI through a clouds.yaml."""
import hashlib
import os
import subprocess
import sys
import uuid

import jsonschema
import pytest

from tests import cloud as cloud_mod

pytestmark = pytest.mark.xdist_group('test_image_api')

PATCH = {'Content-Type': 'application/openstack-images-v2.1-json-patch'}
OCTET = {'Content-Type': 'application/octet-stream'}
DATA = os.urandom(300 * 1024) + b'tail'


def _schema(cloud, name):
    r = cloud.request('GET', '/image/v2/schemas/%s' % name)
    assert r.status == 200, r.raw
    return r.json


def _create(cloud, token=cloud_mod.USER_TOKEN, **body):
    body = dict({'name': 'img-%s' % uuid.uuid4().hex[:8], 'disk_format': 'raw',
                 'container_format': 'bare'}, **body)
    return cloud.request('POST', '/image/v2/images', body, token=token)


def _upload(cloud, image_id, data=DATA, token=cloud_mod.USER_TOKEN):
    return cloud.request('PUT', '/image/v2/images/%s/file' % image_id, raw=data,
                         headers=OCTET, token=token)


def test_version_discovery(module_cloud):
    for path in ('/image', '/image/', '/image/v2', '/image/v2/'):
        r = module_cloud.request('GET', path, token=None)
        assert r.status == 300, (path, r.raw)
        ids = [v['id'] for v in r.json['versions']]
        assert 'v2.0' in ids and r.json['versions'][0]['status'] == 'CURRENT'
        assert r.json['versions'][0]['links'][0]['href'] == module_cloud.base + '/image/v2/'
    assert module_cloud.request('GET', '/image/versions', token=None).status == 200
    # the compute API is untouched
    assert module_cloud.request('GET', '/v2.1/', token=None).status == 200


def test_create_upload_show_download_delete(module_cloud):
    c = module_cloud
    r = _create(c, min_ram=64, tags=['a', 'b'], os_distro='cirros', visibility='private')
    assert r.status == 201, r.raw
    img = r.json
    jsonschema.validate(img, _schema(c, 'image'))
    assert img['status'] == 'queued' and img['size'] is None and img['checksum'] is None
    assert (img['os_distro'], img['min_ram'], img['tags']) == ('cirros', 64, ['a', 'b'])
    assert img['owner'] == cloud_mod.PROJECT and img['visibility'] == 'private'
    assert img['self'] == '/v2/images/%s' % img['id']
    assert r.headers['Location'] == '%s/image/v2/images/%s' % (c.base, img['id'])
    # no data yet: 204
    assert c.request('GET', '/image/v2/images/%s/file' % img['id']).status == 204

    r = _upload(c, img['id'])
    assert r.status == 204, r.raw
    r = c.request('GET', '/image/v2/images/%s' % img['id'], token=cloud_mod.USER_TOKEN)
    assert r.status == 200
    shown = r.json
    jsonschema.validate(shown, _schema(c, 'image'))
    assert shown['status'] == 'active' and shown['size'] == len(DATA)
    assert shown['checksum'] == hashlib.md5(DATA).hexdigest()
    assert (shown['os_hash_algo'], shown['os_hash_value']) == (
        'sha512', hashlib.sha512(DATA).hexdigest())
    path = c.state / 'images' / img['id']
    assert path.read_bytes() == DATA

    r = c.request('GET', '/image/v2/images/%s/file' % img['id'])
    assert r.status == 200 and r.raw == DATA
    assert r.headers['Content-MD5'] == shown['checksum']
    assert r.headers['Content-Type'] == 'application/octet-stream'
    # chunked transfer encoding (no Content-Length) is streamed too
    chunked = _create(c).json['id']
    r = _upload(c, chunked, iter([DATA[:1000], DATA[1000:]]))
    assert r.status == 204, r.raw
    r = c.request('GET', '/image/v2/images/%s' % chunked)
    assert (r.json['size'], r.json['checksum']) == (len(DATA), hashlib.md5(DATA).hexdigest())
    # a second upload is a conflict
    assert _upload(c, img['id'], b'x').status == 409

    r = c.request('DELETE', '/image/v2/images/%s' % img['id'], token=cloud_mod.USER_TOKEN)
    assert r.status == 204
    assert not path.exists()
    assert c.request('GET', '/image/v2/images/%s' % img['id']).status == 404
    assert c.request('DELETE', '/image/v2/images/%s' % img['id']).status == 404


def test_list_filters_and_pagination(module_cloud):
    c = module_cloud
    tag = uuid.uuid4().hex
    ids = [_create(c, name='page-%s' % tag, tags=[tag]).json['id'] for _ in range(3)]
    r = c.request('GET', '/image/v2/images?name=page-%s' % tag)
    assert r.status == 200
    jsonschema.validate(r.json, _schema(c, 'images'))
    assert sorted(i['id'] for i in r.json['images']) == sorted(ids)
    assert r.json['first'] == '/v2/images?name=page-%s' % tag
    assert r.json['schema'] == '/v2/schemas/images' and 'next' not in r.json

    r = c.request('GET', '/image/v2/images?id=in:%s,%s' % (ids[0], ids[2]))
    assert sorted(i['id'] for i in r.json['images']) == sorted([ids[0], ids[2]])

    seen, url = [], '/v2/images?tag=%s&limit=2' % tag
    while url:
        r = c.request('GET', '/image' + url)
        assert r.status == 200, r.raw
        seen += [i['id'] for i in r.json['images']]
        url = r.json.get('next')
    assert sorted(seen) == sorted(ids) and len(seen) == 3   # newest first, no repeats

    r = c.request('GET', '/image/v2/images?status=queued&tag=%s&sort=name:asc' % tag)
    assert len(r.json['images']) == 3
    assert c.request('GET', '/image/v2/images?name=nope-%s' % tag).json['images'] == []


def test_visibility(module_cloud):
    c = module_cloud
    other = 'other:%s' % uuid.uuid4().hex
    private = _create(c, visibility='private').json['id']
    community = _create(c, visibility='community').json['id']
    assert c.request('GET', '/image/v2/images/%s' % private, token=other).status == 404
    assert c.request('GET', '/image/v2/images/%s' % community, token=other).status == 200
    listed = {i['id'] for i in c.request('GET', '/image/v2/images', token=other).json['images']}
    assert private not in listed and community not in listed
    r = c.request('GET', '/image/v2/images?visibility=community', token=other)
    assert community in {i['id'] for i in r.json['images']}
    # another project may not delete it
    r = c.request('DELETE', '/image/v2/images/%s' % community, token=other)
    assert r.status == 403
    # publicizing is for admins
    assert _create(c, visibility='public').status == 403
    assert _create(c, visibility='public', token=cloud_mod.ADMIN_TOKEN).status == 201
    # the seeded image is public
    assert c.request('GET', '/image/v2/images/%s' % c.image_id, token=other).status == 200


def test_errors_write_nothing(module_cloud):
    c = module_cloud
    before = c.query('SELECT count(*) FROM images')[0][0]
    bad = [({'name': 'x', 'disk_format': 'floppy'}, 400),
           ({'name': 'x', 'min_ram': 'lots'}, 400),
           ({'name': 'x', 'os_distro': 42}, 400),
           ({'name': 'x', 'id': 'not-a-uuid'}, 400),
           ({'name': 'x', 'status': 'active'}, 403),
           ({'name': 'x', 'deleted': 'true'}, 403),
           (['x'], 400)]
    for body, code in bad:
        r = c.request('POST', '/image/v2/images', body, token=cloud_mod.USER_TOKEN,
                      headers={'Accept': 'application/json'})
        assert r.status == code, (body, r.raw)
        assert r.json['code'].startswith(str(code)) and r.json['message'], r.raw
    assert c.request('POST', '/image/v2/images', raw=b'{nope').status == 400
    r = c.request('POST', '/image/v2/images', {'status': 'active'}, token=cloud_mod.USER_TOKEN,
                  headers={'Accept': 'application/json'})
    assert r.json == {'code': '403 Forbidden', 'title': 'Forbidden',
                      'message': "Attribute 'status' is read-only.<br /><br />\n\n\n"}
    assert _create(c, id=c.image_id).status == 409
    assert c.query('SELECT count(*) FROM images')[0][0] == before

    for path in ('/image/v2/images/%s' % uuid.uuid4(), '/image/v2/images/cirros',
                 '/image/v2/images/%s/file' % uuid.uuid4(), '/image/v2/nothing'):
        assert c.request('GET', path).status == 404, path
    assert c.request('GET', '/image/v2/images?limit=x').status == 400
    assert c.request('GET', '/image/v2/images?marker=%s' % uuid.uuid4()).status == 400
    assert c.request('GET', '/image/v2/images?visibility=everyone').status == 400
    assert c.request('POST', '/image/v2/images/%s' % c.image_id, {}).status == 405
    # no token: noauth2 answers as Nova's does (a 204 handing out a fake token)
    # and lists nothing; keystone mode answers 401 (tests/functional/test_keystone.py)
    r = c.request('GET', '/image/v2/images', token=None)
    assert r.status == 204 and r.headers['X-Auth-Token'] == 'admin:admin' and not r.raw

    img = _create(c).json
    r = c.request('PUT', '/image/v2/images/%s/file' % img['id'], raw=b'abc',
                  headers={'Content-Type': 'text/plain'})
    assert r.status == 415
    r = _create(c, disk_format=None)
    assert _upload(c, r.json['id']).status == 400
    assert c.request('GET', '/image/v2/images/%s' % img['id']).json['status'] == 'queued'
    assert not (c.state / 'images' / img['id']).exists()


def test_patch(module_cloud):
    c = module_cloud
    img = _create(c, os_distro='a').json
    ops = [{'op': 'replace', 'path': '/name', 'value': 'renamed'},
           {'op': 'add', 'path': '/hw_disk_bus', 'value': 'virtio'},
           {'op': 'replace', 'path': '/os_distro', 'value': 'b'},
           {'op': 'replace', 'path': '/tags', 'value': ['x']}]
    path = '/image/v2/images/%s' % img['id']
    r = c.request('PATCH', path, ops, headers=PATCH, token=cloud_mod.USER_TOKEN)
    assert r.status == 200, r.raw
    assert (r.json['name'], r.json['hw_disk_bus'], r.json['os_distro'], r.json['tags']) == (
        'renamed', 'virtio', 'b', ['x'])
    r = c.request('PATCH', path, [{'op': 'remove', 'path': '/os_distro'}], headers=PATCH)
    assert r.status == 200 and 'os_distro' not in r.json
    assert c.request('GET', path).json['hw_disk_bus'] == 'virtio'
    for ops, code in (([{'op': 'remove', 'path': '/os_distro'}], 409),
                      ([{'op': 'replace', 'path': '/status', 'value': 'active'}], 403),
                      ([{'op': 'replace', 'path': '/min_ram', 'value': 'x'}], 400),
                      ([{'op': 'move', 'path': '/name'}], 400)):
        assert c.request('PATCH', path, ops, headers=PATCH).status == code, ops
    assert c.request('PATCH', path, [], headers={}).status == 415
    assert c.request('GET', path).json['name'] == 'renamed'


def test_boot_from_uploaded_image(module_cloud):
    c = module_cloud
    img = _create(c, name='bootable', visibility='community', min_disk=1).json
    assert _upload(c, img['id'], b'\0' * 65536).status == 204
    r = c.boot(name='from-endpoint', image=img['id'])
    assert r.status == 202, r.raw
    server = c.wait_status(r.json['server']['id'])
    assert server['status'] == 'ACTIVE' and server['image']['id'] == img['id']
    # a queued image cannot be booted
    queued = _create(c).json['id']
    assert c.boot(name='never', image=queued).status == 400
    c.request('DELETE', c.servers_path('/' + server['id']))
    c.wait_gone(server['id'])


def test_openstack_cli(module_cloud, tmp_path):
    c = module_cloud
    (tmp_path / 'clouds.yaml').write_text(
        'clouds:\n  nl:\n    auth_type: none\n    auth:\n      endpoint: %(b)s/v2.1\n'
        '    compute_endpoint_override: %(b)s/v2.1\n'
        '    image_endpoint_override: %(b)s/image\n'
        '    identity_api_version: 3\n' % {'b': c.base})
    f = tmp_path / 'disk.img'
    f.write_bytes(DATA)
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(tmp_path / 'clouds.yaml'))
    osc = os.path.join(os.path.dirname(sys.executable), 'openstack')

    def run(*args):
        res = subprocess.run([osc, '--os-cloud', 'nl'] + list(args), env=env,
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr
        return res.stdout

    name = 'cli-%s' % uuid.uuid4().hex[:8]
    image_id = run('image', 'create', '--file', str(f), '--disk-format', 'qcow2',
                   '--property', 'os_distro=cli', name, '-f', 'value', '-c', 'id').strip()
    assert image_id in run('image', 'list', '-f', 'value', '-c', 'ID')
    shown = run('image', 'show', name, '-f', 'shell')
    assert 'checksum="%s"' % hashlib.md5(DATA).hexdigest() in shown
    assert 'status="active"' in shown and 'os_distro' in shown
    assert c.request('GET', '/image/v2/images/%s/file' % image_id).raw == DATA
    # --image NAME resolves through /image (GET /image/v2/images/NAME 404, ?name=)
    server_id = run('server', 'create', '--image', name, '--flavor', 'm1.tiny', 'cli-vm',
                    '-f', 'value', '-c', 'id').strip()
    assert c.wait_status(server_id)['image']['id'] == image_id
    listed = run('server', 'list', '--name', 'cli-vm', '-f', 'value', '-c', 'ID', '-c', 'Image')
    assert listed.split() == [server_id, name]
    c.request('DELETE', c.servers_path('/' + server_id))
    c.wait_gone(server_id)


def test_glance_api_servers(module_cloud):
    """A second novalite-api with ``[glance] api_servers`` pointing at the first
    one's /image: it looks images up over HTTP with the caller's token and does
    not serve /image itself."""
    c = module_cloud
    port = cloud_mod.free_port()
    conf = c.tmp / 'glance-mode.conf'
    conf.write_text(c.conf.read_text().replace(
        'osapi_compute_listen_port = %d' % c.port, 'osapi_compute_listen_port = %d' % port)
        + '\n[glance]\napi_servers = %s/image\n' % c.base)
    c._spawn('api-glance', 'novalite-api', conf)
    other = cloud_mod.Cloud.__new__(cloud_mod.Cloud)
    other.base = 'http://127.0.0.1:%d' % port
    try:
        cloud_mod.wait_for(other._api_up, 60, what='novalite-api with [glance]')
        assert other.request('GET', '/image/v2/images').status != 200
        owner = 'demo:%s' % uuid.uuid4().hex
        img = _create(c, token=owner, visibility='private').json
        assert _upload(c, img['id'], b'\0' * 4096, token=owner).status == 204

        def boot(token, image):
            project = token.split(':')[1]
            return other.request('POST', '/v2.1/%s/servers' % project, {'server': {
                'name': 'g', 'imageRef': image, 'flavorRef': '1', 'networks': 'none'}},
                token=token)
        r = boot(owner, img['id'])
        assert r.status == 202, r.raw
        server_id = r.json['server']['id']
        assert c.wait_status(server_id)['status'] == 'ACTIVE'
        assert 'GET %s/image/v2/images/%s' % (c.base, img['id']) in c.log_text('api-glance')
        # the image is private: another project's boot finds no image (Glance's 404)
        r = boot('demo:%s' % uuid.uuid4().hex, img['id'])
        assert r.status == 400 and b'Can not find requested image' in r.raw, r.raw
        assert boot(owner, str(uuid.uuid4())).status == 400
        c.request('DELETE', c.servers_path('/' + server_id))
    finally:
        c.stop_process('api-glance')
