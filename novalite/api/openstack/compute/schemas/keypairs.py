"""Request schemas of /os-keypairs: the 2.1 body, and small overlays for
2.0 (spaces around the name), 2.2 (type), 2.10 (user_id) and 2.92 (import
only, wider name pattern)."""
from novalite.api.openstack.compute.schemas import parameter_types as pt

KEYPAIR_NAME_PATTERN = r'^[_\- a-zA-Z0-9]+$'
KEYPAIR_NAME_PATTERN_292 = r'^[_\-\@\. a-zA-Z0-9]+$'


def _name(base_name, pattern):
    return {'allOf': [base_name, {'type': 'string', 'pattern': pattern}]}


create = {
    'type': 'object',
    'properties': {
        'keypair': {
            'type': 'object',
            'properties': {'name': _name(pt.name, KEYPAIR_NAME_PATTERN),
                           'public_key': {'type': 'string'}},
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['keypair'],
    'additionalProperties': False,
}


def overlay(schema, properties, required=None):
    """``schema`` with keypair properties added or replaced."""
    keypair = dict(schema['properties']['keypair'])
    keypair['properties'] = dict(keypair['properties'], **properties)
    if required is not None:
        keypair['required'] = required
    return dict(schema, properties={'keypair': keypair})


create_v20 = overlay(create, {'name': _name(pt.name_with_leading_trailing_spaces,
                                            KEYPAIR_NAME_PATTERN)})
create_v22 = overlay(create, {'type': {'type': 'string', 'enum': ['ssh', 'x509']}})
create_v210 = overlay(create_v22, {'user_id': {'type': 'string'}})
create_v292 = overlay(create_v210, {'name': _name(pt.name, KEYPAIR_NAME_PATTERN_292)},
                      required=['name', 'public_key'])
