"""The built-in image store: metadata in the images tables, data as files
named by image id under ``[image] store_path``.

Used by novalite-api (create checks, the /image endpoint) and
novalite-manage; compute hosts fetch data with image/download.py instead.
"""
import hashlib
import os
import shutil
import uuid as uuidlib

from oslo_config import cfg

from novalite.db import catalog as db_catalog
from novalite import exception

CONF = cfg.CONF

QCOW2_MAGIC = b'QFI\xfb'


def _detect_format(path):
    with open(path, 'rb') as f:
        return 'qcow2' if f.read(4) == QCOW2_MAGIC else 'raw'


def get(context, image_id):
    """The image's metadata dict (with ``properties``)."""
    return db_catalog.image_get(image_id)


def get_all(context, filters=None, limit=None, marker=None):
    return db_catalog.image_get_all(filters, limit, marker)


def data_path(image_id):
    return os.path.join(CONF.image.store_path, image_id)


def create(context, name, disk_format=None, container_format='bare', properties=None,
           min_ram=0, min_disk=0, visibility='public', image_id=None, owner=None):
    """A queued image with no data yet (Glance's POST /v2/images)."""
    return db_catalog.image_create({
        'id': image_id or str(uuidlib.uuid4()), 'name': name, 'status': 'queued',
        'disk_format': disk_format, 'container_format': container_format,
        'min_ram': min_ram, 'min_disk': min_disk, 'visibility': visibility,
        'owner': owner}, properties)


def upload(context, image_id, stream):
    """Store the data of a queued image from a file-like ``stream``."""
    image = get(context, image_id)
    os.makedirs(CONF.image.store_path, exist_ok=True)
    part = data_path(image_id) + '.part'
    md5, sha512, size = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0
    with open(part, 'wb') as out:
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            out.write(chunk)
            md5.update(chunk)
            sha512.update(chunk)
            size += len(chunk)
    os.chmod(part, 0o644)
    os.replace(part, data_path(image_id))
    values = {'status': 'active', 'size': size, 'checksum': md5.hexdigest(),
              'os_hash_algo': 'sha512', 'os_hash_value': sha512.hexdigest()}
    if not image.get('disk_format'):
        values['disk_format'] = _detect_format(data_path(image_id))
    return db_catalog.image_update(image_id, values)


def import_file(context, name, path, properties=None, disk_format=None, **kwargs):
    """Create an active image from a local file (novalite-manage image import)."""
    if not os.path.isfile(path):
        raise exception.ImageNotFound(image_id=path)
    image = create(context, name, disk_format=disk_format or _detect_format(path),
                   properties=properties, **kwargs)
    with open(path, 'rb') as f:
        return upload(context, image['id'], f)


def delete(context, image_id):
    db_catalog.image_destroy(image_id)
    try:
        os.unlink(data_path(image_id))
    except FileNotFoundError:
        pass


def copy_data(image_id, dest):
    shutil.copyfile(data_path(image_id), dest)
