"""The /image WSGI application: Glance v2's images API over the built-in
store.  Routes, then lean handlers (validate, call novalite.image.api, return
a view).  Errors are Glance's: webob HTTP exceptions, rendered as JSON, HTML
or text by the client's Accept header.
"""
import re

import webob
import webob.dec
import webob.exc
import webob.static

from novalite.api import auth
from novalite.api import json_body
from novalite.api.image import schemas
from novalite.api.image import views
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite import exception
from novalite.image import api as image_api

LIMIT_DEFAULT = 25          # Glance's limit_param_default
LIMIT_MAX = 1000            # Glance's api_limit_max
SORT_KEYS = ('name', 'status', 'container_format', 'disk_format', 'size', 'id',
             'created_at', 'updated_at')
PATCH_TYPES = {'application/openstack-images-v2.0-json-patch': 4,
               'application/openstack-images-v2.1-json-patch': 10}
EDITABLE = ('name', 'visibility', 'protected', 'os_hidden', 'min_ram', 'min_disk',
            'container_format', 'disk_format', 'owner', 'tags')
QUEUED_ONLY = ('container_format', 'disk_format')


def _body(req):
    if not req.body:
        raise webob.exc.HTTPBadRequest(explanation='Body expected in request.')
    try:
        return json_body.loads(req.body)
    except json_body.BadBody as e:
        raise webob.exc.HTTPBadRequest(explanation='Malformed JSON in request body. %s' % e)


def _forbid_keys(keys, read_only=schemas.READ_ONLY):
    for key in keys:
        if key in read_only:
            raise webob.exc.HTTPForbidden(explanation="Attribute '%s' is read-only." % key)
        if key in schemas.RESERVED or key.startswith(schemas.RESERVED_PREFIX):
            raise webob.exc.HTTPForbidden(explanation="Attribute '%s' is reserved." % key)


def _validate(obj):
    message = schemas.validation_error(obj)
    if message:
        raise webob.exc.HTTPBadRequest(explanation=message)


def _check_visibility_owner(ctx, values):
    if values.get('visibility') == 'public' and not ctx.is_admin:
        raise webob.exc.HTTPForbidden(
            explanation='You are not authorized to complete publicize_image action.')
    owner = values.get('owner')
    if owner is not None and owner != ctx.project_id and not ctx.is_admin:
        raise webob.exc.HTTPForbidden(
            explanation="You are not permitted to create images owned by '%s'." % owner)


# -- handlers --------------------------------------------------------------------
def create(req):
    ctx = req.environ['novalite.context']
    body = _body(req)
    if not isinstance(body, dict):
        raise webob.exc.HTTPBadRequest(explanation=schemas.validation_error(body))
    _forbid_keys(body)
    _validate(body)
    for key in body:
        if len(key) > 255:
            raise webob.exc.HTTPBadRequest(
                explanation='Custom property should not be greater than 255 characters.')
    base = {k: body.pop(k) for k in schemas.PROPERTIES if k in body}
    base.setdefault('visibility', 'shared')
    _check_visibility_owner(ctx, base)
    img = image_api.create(
        ctx, base.get('name'), disk_format=base.get('disk_format'),
        container_format=base.get('container_format'), properties=body,
        min_ram=base.get('min_ram', 0), min_disk=base.get('min_disk', 0),
        visibility=base['visibility'], image_id=base.get('id'),
        owner=base.get('owner', ctx.project_id), protected=base.get('protected', False),
        tags=base.get('tags', []), os_hidden=base.get('os_hidden', False))
    resp = wsgi.json_response(views.image(img), 201)
    resp.location = '%s/v2/images/%s' % (req.application_url, img['id'])
    return resp


def _int_param(params, name, default):
    try:
        value = int(params.pop(name, default))
    except ValueError:
        raise webob.exc.HTTPBadRequest(explanation='%s param must be an integer' % name)
    if value < 0:
        raise webob.exc.HTTPBadRequest(explanation='%s param must be positive' % name)
    return value


def _sort_params(params):
    keys = [params.pop('sort_key')] if 'sort_key' in params else []
    dirs = [params.pop('sort_dir')] if 'sort_dir' in params else []
    for item in filter(None, params.pop('sort', '').split(',')):
        key, _sep, direction = item.partition(':')
        keys.append(key.strip())
        dirs.append(direction.strip() or 'desc')
    for key in keys:
        if key not in SORT_KEYS:
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid sort key: %s. It must be one of the following: %s.'
                % (key, ', '.join(SORT_KEYS)))
    for direction in dirs:
        if direction not in ('asc', 'desc'):
            raise webob.exc.HTTPBadRequest(explanation='Invalid sort direction: %s' % direction)
    return list(zip(keys, dirs + [dirs[-1] if dirs else 'desc'] * len(keys)))


def _list_filters(params):
    filters = {}
    visibility = params.pop('visibility', None)
    if visibility is not None:
        if visibility not in schemas.PROPERTIES['visibility']['enum'] + ['all']:
            raise webob.exc.HTTPBadRequest(explanation='Invalid visibility value: %s' % visibility)
        filters['visibility'] = visibility
    if 'os_hidden' in params:
        hidden = params.pop('os_hidden').lower()
        if hidden not in ('true', 'false'):
            raise webob.exc.HTTPBadRequest(explanation='os_hidden must be a boolean')
        filters['os_hidden'] = hidden == 'true'
    else:
        filters['os_hidden'] = False
    ident = params.pop('id', None)
    if ident is not None:
        filters['ids'] = ident[3:].split(',') if ident.startswith('in:') else [ident]
    for key in ('name', 'status', 'owner', 'container_format', 'disk_format'):
        if key in params:
            filters[key] = params.pop(key)
    return filters


def index(req):
    ctx = req.environ['novalite.context']
    params = req.GET.copy()
    limit = min(_int_param(params, 'limit', LIMIT_DEFAULT), LIMIT_MAX)
    marker = params.pop('marker', None)
    member_status = params.pop('member_status', 'accepted')
    if member_status not in ('pending', 'accepted', 'rejected', 'all'):
        raise webob.exc.HTTPBadRequest(explanation='Invalid status: %s' % member_status)
    filters = _list_filters(params)
    filters['tags'] = params.getall('tag')
    if 'tag' in params:
        del params['tag']
    sort = _sort_params(params)
    filters['properties'] = dict(params)
    imgs = image_api.get_all(ctx, filters, limit, marker, sort)
    next_marker = imgs[-1]['id'] if imgs and len(imgs) == limit else None
    return wsgi.json_response(views.images(imgs, list(req.GET.items()), next_marker))


def _get(ctx, image_id):
    try:
        return image_api.get(ctx, image_id)
    except exception.ImageNotFound:
        raise webob.exc.HTTPNotFound(explanation='No image found with ID %s' % image_id)


def show(req, image_id):
    return wsgi.json_response(views.image(_get(req.environ['novalite.context'], image_id)))


def _owned(ctx, image_id, action):
    img = _get(ctx, image_id)
    image_api.check_owner(ctx, img, action)
    return img


def delete(req, image_id):
    ctx = req.environ['novalite.context']
    _owned(ctx, image_id, 'delete')
    image_api.delete(ctx, image_id)
    return webob.Response(status=204)


def upload(req, image_id):
    ctx = req.environ['novalite.context']
    if req.content_type != 'application/octet-stream':
        raise webob.exc.HTTPUnsupportedMediaType()
    img = _owned(ctx, image_id, 'upload data to')
    if not (img['disk_format'] and img['container_format']):
        raise webob.exc.HTTPBadRequest(explanation=(
            'Properties disk_format, container_format must be set prior to saving data.'))
    try:
        image_api.upload(ctx, image_id, req.body_file)
    except exception.ImageNotFound:
        raise webob.exc.HTTPGone(explanation=(
            'Image %s could not be found after upload. The image may have been deleted '
            'during the upload.' % image_id))
    return webob.Response(status=204)


def download(req, image_id):
    img = _get(req.environ['novalite.context'], image_id)
    if img['status'] != 'active':
        return webob.Response(status=204)
    resp = webob.Response(content_type='application/octet-stream')
    resp.app_iter = webob.static.FileIter(image_api.open_data(image_id))
    resp.content_length = img['size']
    resp.headers['Content-MD5'] = img['checksum']
    return resp


def _change(raw, draft):
    """(op, key, value) of one JSON-patch operation, checked as Glance does."""
    if not isinstance(raw, dict):
        raise webob.exc.HTTPBadRequest(explanation='Operations must be JSON objects.')
    ops = ('add', 'remove', 'replace')
    if draft == 10:
        op, path = raw.get('op'), raw.get('path')
    else:
        found = [k for k in ops if k in raw]
        op, path = (found[0], raw[found[0]]) if len(found) == 1 else (None, None)
    if op not in ops:
        raise webob.exc.HTTPBadRequest(explanation=(
            'Invalid operation: `%s`. It must be one of the following: add, remove, '
            'replace.' % op))
    if not isinstance(path, str) or not path.startswith('/') or '/' in path[1:]:
        raise webob.exc.HTTPBadRequest(
            explanation="Invalid JSON pointer for this resource: '%s'" % path)
    key = path[1:].replace('~1', '/').replace('~0', '~')
    if op != 'remove' and 'value' not in raw:
        raise webob.exc.HTTPBadRequest(
            explanation='Operation "%s" requires a member named "value".' % op)
    return op, key, raw.get('value')


def update(req, image_id):
    ctx = req.environ['novalite.context']
    draft = PATCH_TYPES.get(req.content_type)
    if draft is None:
        raise webob.exc.HTTPUnsupportedMediaType(
            headers={'Accept-Patch': ', '.join(sorted(PATCH_TYPES))})
    body = _body(req)
    if not isinstance(body, list):
        raise webob.exc.HTTPBadRequest(
            explanation='Request body must be a JSON array of operation objects.')
    changes = [_change(raw, draft) for raw in body]
    img = _owned(ctx, image_id, 'modify')
    values, props, removed = {}, dict(img['properties']), []
    for op, key, value in changes:
        _forbid_keys([key], schemas.READ_ONLY + ('id',))
        if op != 'remove':
            _validate({key: value})
        if key in QUEUED_ONLY and img['status'] != 'queued':
            raise webob.exc.HTTPForbidden(
                explanation='Attribute %s can be only replaced for a queued image.' % key)
        if key in EDITABLE:
            if op == 'remove':
                raise webob.exc.HTTPForbidden(
                    explanation="Attribute '%s' cannot be removed." % key)
            values[key] = value
        elif op == 'add' or key in props:
            if op == 'remove':
                props.pop(key)
                removed.append(key)
            else:
                props[key] = value
        else:
            raise webob.exc.HTTPConflict(explanation='Property %s does not exist.' % key)
    _check_visibility_owner(ctx, values)
    tags, hidden = values.pop('tags', None), values.pop('os_hidden', None)
    new = {k: v for k, v in props.items() if img['properties'].get(k) != v}
    img = image_api.update(ctx, image_id, values, new, removed, tags, hidden)
    return wsgi.json_response(views.image(img))


def schema_image(req):
    return wsgi.json_response(schemas.IMAGE)


def schema_images(req):
    return wsgi.json_response(schemas.IMAGES)


_ID = r'(?P<image_id>[^/]+)'
ROUTES = [
    (re.compile(r'^/v2/images/?$'), {'GET': index, 'POST': create}),
    (re.compile(r'^/v2/images/%s/?$' % _ID), {'GET': show, 'PATCH': update,
                                              'DELETE': delete}),
    (re.compile(r'^/v2/images/%s/file/?$' % _ID), {'GET': download, 'PUT': upload}),
    (re.compile(r'^/v2/schemas/image/?$'), {'GET': schema_image}),
    (re.compile(r'^/v2/schemas/images/?$'), {'GET': schema_images}),
]


class ImageAPI:
    """The authenticated /image/v2 part: route, then handler."""

    @webob.dec.wsgify
    def __call__(self, req):
        for pattern, methods in ROUTES:
            match = pattern.match(req.path_info)
            if match:
                break
        else:
            return webob.exc.HTTPNotFound()
        handler = methods.get(req.method)
        if handler is None:
            return webob.exc.HTTPMethodNotAllowed(
                headers={'Allow': ', '.join(sorted(methods))})
        try:
            return handler(req, **match.groupdict())
        except webob.exc.HTTPException as e:
            return e
        except exception.NovaliteException as e:
            # the code from the one table; the body as Glance renders it
            code = faults.code_for(e)
            if code is None:
                raise
            return webob.exc.status_map[code](explanation=e.format_message())


class ImageApp:
    """Mounted at /image: version documents without auth, the rest with the
    compute API's authentication."""

    def __init__(self):
        self.api = auth.pipeline(ImageAPI())

    @webob.dec.wsgify
    def __call__(self, req):
        path = req.path_info.rstrip('/')
        if path in ('', '/v2', '/versions'):
            if req.method != 'GET':
                return webob.exc.HTTPMethodNotAllowed(headers={'Allow': 'GET'})
            base = req.application_url
            return wsgi.json_response(views.versions(base), 200 if path == '/versions' else 300)
        return req.get_response(self.api)
