"""Image service response bodies: version documents, images, image lists."""
import urllib.parse

# Image API minor versions served (2.8 and 2.10-2.13 are Glance's multi-store
# versions, 2.14/2.16+ its cache API: not offered here).
VERSIONS = ('2.15', '2.9', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0')
ATTRIBUTES = ('name', 'disk_format', 'container_format', 'visibility', 'size',
              'virtual_size', 'status', 'checksum', 'protected', 'min_ram', 'min_disk',
              'owner', 'os_hidden', 'os_hash_algo', 'os_hash_value', 'id', 'tags')


def versions(base_url):
    """``{"versions": [...]}``, the newest CURRENT, each linking ``<base>/v2/``."""
    return {'versions': [
        {'id': 'v%s' % v, 'status': 'CURRENT' if i == 0 else 'SUPPORTED',
         'links': [{'rel': 'self', 'href': '%s/v2/' % base_url}]}
        for i, v in enumerate(VERSIONS)]}


def _isotime(value):
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def image(img):
    href = '/v2/images/%s' % img['id']
    view = dict(img['properties'])
    view.update({k: img.get(k) for k in ATTRIBUTES})
    view.update(created_at=_isotime(img['created_at']),
                updated_at=_isotime(img['updated_at'] or img['created_at']),
                self=href, file=href + '/file', schema='/v2/schemas/image')
    return view


def images(imgs, params, next_marker=None):
    """The list body; ``params`` are the request's query pairs."""
    params = [(k, v) for k, v in params if k != 'marker']
    body = {'images': [image(i) for i in imgs], 'first': '/v2/images',
            'schema': '/v2/schemas/images'}
    if params:
        body['first'] += '?' + urllib.parse.urlencode(params)
    if next_marker:
        body['next'] = '/v2/images?' + urllib.parse.urlencode(
            params + [('marker', next_marker)])
    return body
