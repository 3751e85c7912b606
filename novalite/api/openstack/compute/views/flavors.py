"""Flavor views."""
from novalite.api.openstack import common


def basic(req, flavor):
    return {'id': flavor['flavorid'], 'name': flavor['name'],
            'links': common.links(req, 'flavors', flavor['flavorid'])}


def show(req, flavor):
    d = basic(req, flavor)
    d.update({
        'ram': flavor['memory_mb'], 'disk': flavor['root_gb'], 'vcpus': flavor['vcpus'],
        'swap': flavor['swap'] or '',
        'OS-FLV-EXT-DATA:ephemeral': flavor['ephemeral_gb'],
        'OS-FLV-DISABLED:disabled': bool(flavor.get('disabled')),
        'os-flavor-access:is_public': bool(flavor.get('is_public', True)),
        'rxtx_factor': flavor.get('rxtx_factor') if flavor.get('rxtx_factor') is not None else '',
    })
    return d
