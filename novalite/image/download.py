"""Fetching image data on a compute host (no database access here).

From a Glance v2 endpoint: ``[glance] api_servers`` (a real Glance) or
``[image] glance_endpoint`` (e.g. another novalite-api's ``/image``); with
neither set, straight from the built-in store's directory (``[image]
store_path``), which is the all-in-one case.
"""
import os
import shutil
import urllib.request

from oslo_config import cfg

from novalite import exception
from novalite.image import glance

CONF = cfg.CONF


def _endpoint():
    if glance.enabled():
        return glance.endpoint()
    return (CONF.image.glance_endpoint or '').rstrip('/')


def download(context, image_id, dest_path):
    """Write image ``image_id``'s data to ``dest_path``; return its size."""
    base = _endpoint()
    if base:
        url = '%s/v2/images/%s/file' % (base, image_id)
        req = urllib.request.Request(url)
        if context is not None and context.auth_token:
            req.add_header('X-Auth-Token', context.auth_token)
        try:
            with urllib.request.urlopen(req, timeout=300) as resp, open(dest_path, 'wb') as out:
                shutil.copyfileobj(resp, out, 1 << 20)
        except OSError as e:
            raise exception.ImageDownloadFailed(image_id=image_id, reason=e)
    else:
        src = os.path.join(CONF.image.store_path, image_id)
        if not os.path.exists(src):
            raise exception.ImageNotFound(image_id=image_id)
        shutil.copyfile(src, dest_path)
    return os.path.getsize(dest_path)
