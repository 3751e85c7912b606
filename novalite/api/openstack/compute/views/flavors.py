"""Flavor views; microversion overlays on one base:

* 2.55  ``description`` (list and detail);
* 2.61  ``extra_specs`` in the detail, when policy
  ``os_compute_api:os-flavor-extra-specs:index`` allows it;
* 2.75  ``swap`` is 0 (not ``""``) for a flavor without swap.
"""
from novalite.api.openstack import common
from novalite import policy

EXTRA_SPECS_POLICY = 'os_compute_api:os-flavor-extra-specs:index'


def basic(req, flavor):
    d = {'id': flavor['flavorid'], 'name': flavor['name'],
         'links': common.links(req, 'flavors', flavor['flavorid'])}
    if req.is_at_least('2.55'):
        d['description'] = flavor.get('description')
    return d


def include_extra_specs(req):
    """Whether detail views of this request carry ``extra_specs``."""
    return req.is_at_least('2.61') and bool(
        policy.authorize(req.context, EXTRA_SPECS_POLICY, do_raise=False))


def show(req, flavor, with_extra_specs=None):
    d = basic(req, flavor)
    swap = flavor['swap'] or 0
    d.update({
        'ram': flavor['memory_mb'], 'disk': flavor['root_gb'], 'vcpus': flavor['vcpus'],
        'swap': swap if (swap or req.is_at_least('2.75')) else '',
        'OS-FLV-EXT-DATA:ephemeral': flavor['ephemeral_gb'],
        'OS-FLV-DISABLED:disabled': bool(flavor.get('disabled')),
        'os-flavor-access:is_public': bool(flavor.get('is_public', True)),
        'rxtx_factor': flavor.get('rxtx_factor') or '',
    })
    if with_extra_specs is None:
        with_extra_specs = include_extra_specs(req)
    if with_extra_specs:
        d['extra_specs'] = dict(flavor.get('extra_specs') or {})
    return d
