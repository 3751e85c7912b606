"""Reusable JSON-schema fragments (Nova's parameter types)."""

# Printable characters, no leading/trailing whitespace (Nova's 'name').
_PRINTABLE_NO_EDGE_WS = r'^(?![\s])[^\x00-\x1f\x7f]*(?<![\s])$'

name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'pattern': _PRINTABLE_NO_EDGE_WS}

# Legacy v2.0: surrounding whitespace allowed (then stripped).
name_with_leading_trailing_spaces = {'type': 'string', 'minLength': 1, 'maxLength': 255,
                                     'pattern': r'^[^\x00-\x1f\x7f]*$'}

description = {'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255,
               'pattern': r'^[^\x00-\x1f\x7f]*$'}

image_id = {'type': 'string', 'format': 'uuid'}
image_id_or_empty_string = {'oneOf': [{'type': 'string', 'format': 'uuid'},
                                      {'type': 'string', 'maxLength': 0}]}

flavor_ref = {'type': ['string', 'integer'], 'minLength': 1}

positive_integer = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 1,
                    'minLength': 1}

boolean = {'type': ['boolean', 'string'],
           'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
                    False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No',
                    'no']}

metadata = {'type': 'object',
            'patternProperties': {'^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string',
                                                               'maxLength': 255}},
            'additionalProperties': False}

az_name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
           'pattern': r'^[^\x00-\x1f\x7f]*$'}

ipv4 = {'type': 'string', 'format': 'ipv4'}
ipv6 = {'type': 'string', 'format': 'ipv6'}

admin_password = {'type': 'string'}

hostname = {'type': 'string', 'minLength': 2, 'maxLength': 63,
            'pattern': '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$'}

TRUE_STRINGS = ('1', 't', 'true', 'on', 'y', 'yes')


def is_true(value):
    return value is True or str(value).strip().lower() in TRUE_STRINGS
