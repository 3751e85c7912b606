"""Bodies of /flavors/{id}/os-extra_specs: Nova's metadata with numbers
accepted as values (stored and returned as strings)."""
import copy

from novalite.api.openstack.compute.schemas import parameter_types

KEY_PATTERN = '^[a-zA-Z0-9-_:. ]{1,255}$'

_specs = copy.deepcopy(parameter_types.metadata)
_specs['patternProperties'][KEY_PATTERN]['type'] = ['string', 'number']

create = {
    'type': 'object',
    'properties': {'extra_specs': _specs},
    'required': ['extra_specs'],
    'additionalProperties': False,
}

update = dict(copy.deepcopy(_specs), minProperties=1, maxProperties=1)
