"""A small Glance v2 client for when ``[glance] api_servers`` names a real
Glance: image metadata for novalite-api, the data URL for compute hosts."""
import json
import logging
import urllib.error
import urllib.request

from oslo_config import cfg

from novalite import exception

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# Glance's attributes; every other top-level key of an image is a property.
BASE_KEYS = ('id', 'name', 'status', 'disk_format', 'container_format', 'size',
             'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'min_disk',
             'min_ram', 'visibility', 'protected', 'owner', 'os_hidden', 'tags',
             'created_at', 'updated_at', 'self', 'file', 'schema', 'locations',
             'direct_url', 'stores')


def enabled():
    return bool(CONF.glance.api_servers)


def endpoint():
    return CONF.glance.api_servers[0].rstrip('/')


def request(context, path):
    """A GET on the Glance endpoint with the caller's token."""
    LOG.debug('Glance request: GET %s%s', endpoint(), path)
    req = urllib.request.Request(endpoint() + path,
                                 headers={'Accept': 'application/json'})
    if context is not None and context.auth_token:
        req.add_header('X-Auth-Token', context.auth_token)
    return urllib.request.urlopen(req, timeout=CONF.glance.timeout)


def from_glance(body):
    """A Glance image body as novalite's image dict (``properties`` apart)."""
    image = {k: body.get(k) for k in BASE_KEYS if k in body}
    image['properties'] = {k: v for k, v in body.items() if k not in BASE_KEYS}
    return image


def get(context, image_id):
    try:
        with request(context, '/v2/images/%s' % image_id) as resp:
            return from_glance(json.load(resp))
    except urllib.error.HTTPError as e:
        if e.code == 404:
            raise exception.ImageNotFound(image_id=image_id)
        raise exception.ServiceUnavailable(
            service='image', reason='Glance answered %s for image %s' % (e.code, image_id))
    except OSError as e:
        raise exception.ServiceUnavailable(service='image', reason='Glance unreachable: %s' % e)
