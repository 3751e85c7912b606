"""Request bodies of POST /flavors and PUT /flavors/{id} (Nova's schemas)."""
import copy

from novalite.api.openstack.compute.schemas import parameter_types

MAX_INT = 0x7FFFFFFF

_positive = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 1,
             'maximum': MAX_INT}
_non_negative = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 0,
                 'maximum': MAX_INT}

# 2.55: a flavor description of up to 65535 printable characters, or null.
description = {'type': ['string', 'null'], 'minLength': 0, 'maxLength': 65535,
               'pattern': r'^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$'}

create = {
    'type': 'object',
    'properties': {
        'flavor': {
            'type': 'object',
            'properties': {
                'name': parameter_types.name,
                # null or absent: a generated uuid
                'id': {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255,
                       'pattern': r'^(?! )[a-zA-Z0-9. _-]+(?<! )$'},
                'ram': _positive,
                'vcpus': _positive,
                'disk': _non_negative,
                'OS-FLV-EXT-DATA:ephemeral': _non_negative,
                'swap': _non_negative,
                'rxtx_factor': {'type': ['number', 'string'],
                                'pattern': r'^[0-9]+(\.[0-9]+)?$',
                                'minimum': 0, 'exclusiveMinimum': True,
                                'maximum': 3.40282e+38},
                'os-flavor-access:is_public': parameter_types.boolean,
            },
            'required': ['name', 'ram', 'vcpus', 'disk'],
            'additionalProperties': False,
        },
    },
    'required': ['flavor'],
    'additionalProperties': False,
}


def overlay(base, **flavor_properties):
    schema = copy.deepcopy(base)
    schema['properties']['flavor']['properties'].update(flavor_properties)
    return schema


create_v20 = overlay(create, name=parameter_types.name_with_leading_trailing_spaces)
create_v255 = overlay(create, description=description)

update_v255 = {
    'type': 'object',
    'properties': {
        'flavor': {
            'type': 'object',
            'properties': {'description': description},
            'required': ['description'],
            'additionalProperties': False,
        },
    },
    'required': ['flavor'],
    'additionalProperties': False,
}
