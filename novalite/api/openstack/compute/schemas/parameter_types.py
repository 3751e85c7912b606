"""Reusable JSON-schema fragments (Nova's parameter types)."""

# Printable characters, no leading/trailing whitespace (Nova's 'name').
_PRINTABLE_NO_EDGE_WS = r'^(?![\s])[^\x00-\x1f\x7f]*(?<![\s])$'

name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'pattern': _PRINTABLE_NO_EDGE_WS}

# Legacy v2.0: surrounding whitespace allowed (then stripped), but at least
# one character that is not a space (Nova refuses a name of only spaces).
name_with_leading_trailing_spaces = {'type': 'string', 'minLength': 1, 'maxLength': 255,
                                     'pattern': r'^(?=.*\S)[^\x00-\x1f\x7f]*$'}

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

# -- microversioned fragments of the server create/update bodies ---------------
# 2.26/2.32/2.52: a tag (server tags and device tags)
tag = {'type': 'string', 'minLength': 1, 'maxLength': 60, 'pattern': '^[^,/]*$'}
MAX_TAG_COUNT = 50

# 2.63: trusted image certificate ids
trusted_certs = {'type': ['array', 'null'], 'minItems': 1, 'maxItems': 50,
                 'uniqueItems': True, 'items': {'type': 'string', 'minLength': 1}}

# 2.67: bdm volume_type
volume_type = {'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255}

# 2.74 host / hypervisor_hostname, 2.94 hostname: a host name with dots allowed
fqdn = {'type': 'string', 'minLength': 1, 'maxLength': 255, 'pattern': '^[a-zA-Z0-9-._]*$'}

personality = {'type': 'array', 'items': {
    'type': 'object',
    'properties': {'path': {'type': 'string'},
                   'contents': {'type': 'string', 'format': 'base64'}},
    'additionalProperties': False}}

# Query strings: every parameter arrives as a list of strings.
common_query_param = {'type': 'array', 'minItems': 1, 'items': {'type': 'string'}}
