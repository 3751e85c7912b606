"""The image service as novalite uses it.

By default the built-in store: metadata in the images tables, data as files
named by image id under ``[image] store_path``, served to clients by
novalite-api's ``/image`` endpoint (novalite/api/image).  When ``[glance]
api_servers`` is set, a real Glance is the image service instead and
:func:`get` asks it over HTTP (image/glance.py).

Used by novalite-api and novalite-manage; compute hosts fetch data with
image/download.py instead.  Access follows Glance: ``public`` and
``community`` images are visible to everyone, ``private`` and ``shared`` ones
(novalite has no image members) to their owner, everything to admins.
"""
import hashlib
import json
import os
import uuid as uuidlib

from oslo_config import cfg
from sqlalchemy import exc as sa_exc

from novalite.db import catalog as db_catalog
from novalite import exception
from novalite.image import glance

CONF = cfg.CONF

QCOW2_MAGIC = b'QFI\xfb'
# Glance reserves the os_glance prefix, so these never clash with a user's
# property; they hold the attributes the images table has no column for.
TAGS_KEY = 'os_glance_tags'
HIDDEN_KEY = 'os_glance_hidden'
INTERNAL_KEYS = (TAGS_KEY, HIDDEN_KEY)
VISIBILITIES = ('public', 'private', 'shared', 'community')


def _detect_format(path):
    with open(path, 'rb') as f:
        return 'qcow2' if f.read(4) == QCOW2_MAGIC else 'raw'


def _finish(image):
    """Move the internal keys out of ``properties`` into attributes."""
    props = image['properties']
    image['tags'] = json.loads(props.pop(TAGS_KEY, None) or '[]')
    image['os_hidden'] = props.pop(HIDDEN_KEY, 'False') == 'True'
    return image


def _internal(tags=None, os_hidden=None):
    props = {}
    if tags is not None:
        props[TAGS_KEY] = json.dumps(sorted(set(tags)))
    if os_hidden is not None:
        props[HIDDEN_KEY] = str(bool(os_hidden))
    return props


def is_visible(context, image):
    if context is None or context.is_admin:
        return True
    return image['visibility'] in ('public', 'community') or \
        image['owner'] == context.project_id


def check_owner(context, image, action):
    """Changing an image is for its owner (or an admin): 403 otherwise."""
    if not (context.is_admin or image['owner'] == context.project_id):
        raise exception.ImageForbidden(
            reason='You are not permitted to %s this image.' % action)


def get(context, image_id):
    """The image's metadata dict (with ``properties``); ImageNotFound when
    it does not exist or the caller may not see it."""
    if glance.enabled():
        return glance.get(context, image_id)
    image = _finish(db_catalog.image_get(image_id))
    if not is_visible(context, image):
        raise exception.ImageNotFound(image_id=image_id)
    return image


def _listed(context, image, visibility, os_hidden):
    if os_hidden is not None and image['os_hidden'] != os_hidden:
        return False
    if visibility not in (None, 'all') and image['visibility'] != visibility:
        return False
    if context is None or (context.is_admin and visibility is None):
        return True
    if visibility is None:      # Glance's default list: no others' community images
        return image['owner'] == context.project_id or image['visibility'] == 'public'
    return is_visible(context, image)


def _matches(image, attrs, props, tags):
    return (all(image.get(k) == v for k, v in attrs.items()) and
            all(image['properties'].get(k) == v for k, v in props.items()) and
            tags <= set(image['tags']))


def _sorted(images, sort):
    """Sort by [(key, 'asc'|'desc'), ...]; None sorts first, as in SQL asc."""
    for key, direction in reversed(sort):
        images = sorted(images, key=lambda i: (i[key] is not None, i[key] or 0),
                        reverse=direction == 'desc')
    return images


def get_all(context, filters=None, limit=None, marker=None, sort=None):
    """Images matching ``filters`` that the caller may list, newest first
    unless ``sort`` says otherwise.  Filters: name, status, owner, ids
    (columns); visibility ('all' too), os_hidden, tags, container_format,
    disk_format, properties (a dict of extra properties)."""
    filters = dict(filters or {})
    visibility = filters.pop('visibility', None)
    os_hidden = filters.pop('os_hidden', None)
    tags = set(filters.pop('tags', ()))
    props = filters.pop('properties', {})
    attrs = {k: filters.pop(k) for k in ('container_format', 'disk_format') if k in filters}
    images = [i for i in map(_finish, db_catalog.image_get_all(filters))
              if _listed(context, i, visibility, os_hidden) and
              _matches(i, attrs, props, tags)]
    if sort:
        images = _sorted(images, sort)
    if marker is not None:
        ids = [i['id'] for i in images]
        if marker not in ids:
            raise exception.MarkerNotFound(marker=marker)
        images = images[ids.index(marker) + 1:]
    return images if limit is None else images[:limit]


def data_path(image_id):
    return os.path.join(CONF.image.store_path, image_id)


def create(context, name, disk_format=None, container_format='bare', properties=None,
           min_ram=0, min_disk=0, visibility='public', image_id=None, owner=None,
           protected=False, tags=None, os_hidden=None):
    """A queued image with no data yet (Glance's POST /v2/images)."""
    props = dict(properties or {}, **_internal(tags, os_hidden))
    try:
        image = db_catalog.image_create({
            'id': image_id or str(uuidlib.uuid4()), 'name': name, 'status': 'queued',
            'disk_format': disk_format, 'container_format': container_format,
            'min_ram': min_ram, 'min_disk': min_disk, 'visibility': visibility,
            'protected': protected, 'owner': owner}, props)
    except sa_exc.IntegrityError:
        raise exception.ImageConflict(
            reason='Image with identifier %s already exists!' % image_id)
    return _finish(image)


def update(context, image_id, values, properties=None, removed=(), tags=None,
           os_hidden=None):
    """Change columns, set/remove extra properties (Glance's PATCH)."""
    props = dict(properties or {}, **_internal(tags, os_hidden))
    if props or removed:
        db_catalog.image_properties_set(image_id, props, removed)
    return _finish(db_catalog.image_update(image_id, values))


def upload(context, image_id, stream):
    """Store the data of a queued image from a file-like ``stream``, in
    chunks (never the whole image in memory)."""
    image = db_catalog.image_update(image_id, {'status': 'saving'}, expected_status='queued')
    os.makedirs(CONF.image.store_path, exist_ok=True)
    part = data_path(image_id) + '.part'
    md5, sha512, size = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0
    try:
        with open(part, 'wb') as out:
            while True:
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
                md5.update(chunk)
                sha512.update(chunk)
                size += len(chunk)
    except BaseException:
        _unlink(part)
        db_catalog.image_update(image_id, {'status': 'queued'})
        raise
    os.chmod(part, 0o644)
    os.replace(part, data_path(image_id))
    values = {'status': 'active', 'size': size, 'checksum': md5.hexdigest(),
              'os_hash_algo': 'sha512', 'os_hash_value': sha512.hexdigest()}
    if not image.get('disk_format'):
        values['disk_format'] = _detect_format(data_path(image_id))
    try:
        return _finish(db_catalog.image_update(image_id, values, expected_status='saving'))
    except (exception.ImageNotFound, exception.ImageConflict):
        _unlink(data_path(image_id))        # deleted during the upload
        raise exception.ImageNotFound(image_id=image_id)


def import_file(context, name, path, properties=None, disk_format=None, **kwargs):
    """Create an active image from a local file (novalite-manage image import)."""
    if not os.path.isfile(path):
        raise exception.ImageNotFound(image_id=path)
    image = create(context, name, disk_format=disk_format or _detect_format(path),
                   properties=properties, **kwargs)
    with open(path, 'rb') as f:
        return upload(context, image['id'], f)


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def delete(context, image_id):
    """Delete the metadata (soft) and the data file; protected images stay."""
    if context is not None:
        image = get(context, image_id)
        check_owner(context, image, 'delete')
        if image['protected']:
            raise exception.ImageForbidden(
                reason='Image %s is protected and cannot be deleted.' % image_id)
    db_catalog.image_destroy(image_id)
    _unlink(data_path(image_id))


def open_data(image_id):
    """The image's data as an open binary file (the caller closes it)."""
    return open(data_path(image_id), 'rb')
