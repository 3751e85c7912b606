"""Request schema of PUT /os-quota-sets/{project_id}: 2.1 takes every
resource, 2.36 drops the network ones, 2.57 the injected-file ones."""
from novalite.api.openstack.compute.schemas import parameter_types as pt
from novalite import quota

MAX_INT = 0x7FFFFFFF

common_quota = {'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$',
                'minimum': -1, 'maximum': MAX_INT}

# 'networks' was settable (nova-network) but never shown.
NETWORK_KEYS = quota.NETWORK_RESOURCES + ('networks',)
INJECTED_FILE_KEYS = quota.INJECTED_FILE_RESOURCES
QUOTA_KEYS = tuple(quota.RESOURCES) + NETWORK_KEYS


def _update(removed=()):
    props = {k: common_quota for k in QUOTA_KEYS if k not in removed}
    props['force'] = pt.boolean
    return {
        'type': 'object',
        'properties': {'quota_set': {'type': 'object', 'properties': props,
                                     'additionalProperties': False}},
        'required': ['quota_set'],
        'additionalProperties': False,
    }


update = _update()
update_v236 = _update(NETWORK_KEYS)
update_v257 = _update(NETWORK_KEYS + INJECTED_FILE_KEYS)
