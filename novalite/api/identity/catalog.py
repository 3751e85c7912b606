"""The service catalog: the services novalite-api serves, in region
RegionOne with the public, internal and admin interfaces.

URLs are built from the address the API answers on, or from ``[api]
public_endpoint`` / ``internal_endpoint`` when it sits behind a proxy.
"""
import uuid

from oslo_config import cfg

CONF = cfg.CONF

REGION = 'RegionOne'
INTERFACES = ('public', 'internal', 'admin')
_NS = uuid.UUID('6d2a1b7e-5b8a-4f0e-9a43-0c1f8e3f4d21')


def roots(own_root):
    """{interface: base URL of novalite-api} for a request that came to
    ``own_root`` (scheme://host[:port][/script name])."""
    public = (CONF.api.public_endpoint or own_root).rstrip('/')
    internal = (CONF.api.internal_endpoint or CONF.api.public_endpoint or own_root).rstrip('/')
    return {'public': public, 'internal': internal, 'admin': internal}


def _url(root, location):
    return location if '://' in location else root + location


def build(services, own_root):
    """Keystone's v3 catalog for ``services``: (type, name, path under
    novalite-api, or an absolute URL for a service run elsewhere)."""
    bases = roots(own_root)
    catalog = []
    for service_type, name, location in services:
        endpoints = []
        for interface in INTERFACES:
            url = _url(bases[interface], location)
            endpoints.append({'id': uuid.uuid5(_NS, '%s %s %s' % (service_type, interface, url)).hex,
                              'interface': interface, 'region': REGION, 'region_id': REGION,
                              'url': url})
        catalog.append({'endpoints': endpoints, 'id': uuid.uuid5(_NS, service_type).hex,
                        'name': name, 'type': service_type})
    return catalog
