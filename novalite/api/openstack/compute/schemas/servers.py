"""Request schemas of /servers.

``base_create`` is 2.1; ``base_create_v20`` the relaxed legacy v2.0 form.
Later microversions are small overlays of these (``overlay``), never copies.
"""
import copy

from novalite.api.openstack.compute.schemas import parameter_types as pt

_network_item = {
    'type': 'object',
    'properties': {
        'fixed_ip': {'type': 'string', 'oneOf': [{'format': 'ipv4'}, {'format': 'ipv6'}]},
        'port': {'oneOf': [{'type': 'string', 'format': 'uuid'}, {'type': 'null'}]},
        'uuid': {'type': 'string'},
    },
    'additionalProperties': False,
}

# novalite accepts the 2.37 strings "auto"/"none" at every version: there is
# no Neutron to pick a network from, and they are what users mean.
_networks = {'oneOf': [{'type': 'array', 'items': _network_item},
                       {'type': 'string', 'enum': ['none', 'auto']}]}

_bdm_v2_item = {
    'type': 'object',
    'properties': {
        'source_type': {'type': 'string', 'enum': ['volume', 'image', 'snapshot', 'blank']},
        'destination_type': {'type': 'string', 'enum': ['local', 'volume']},
        'uuid': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                 'pattern': '^[a-zA-Z0-9._-]*$'},
        'boot_index': {'type': ['integer', 'string', 'null'], 'pattern': '^-?[0-9]+$'},
        'volume_size': {'type': ['integer', 'string', 'null'], 'pattern': '^[0-9]+$'},
        'delete_on_termination': pt.boolean,
        'device_name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'guest_format': {'type': 'string', 'maxLength': 255},
        'device_type': {'type': 'string', 'maxLength': 255},
        'disk_bus': {'type': 'string', 'maxLength': 255},
        'no_device': {},
        'volume_id': {'type': 'string', 'format': 'uuid'},
        'snapshot_id': {'type': 'string', 'format': 'uuid'},
    },
    'additionalProperties': False,
}

_server_properties = {
    'name': pt.name,
    'imageRef': pt.image_id_or_empty_string,
    'flavorRef': pt.flavor_ref,
    'adminPass': pt.admin_password,
    'metadata': pt.metadata,
    'networks': _networks,
    'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
    'accessIPv4': pt.ipv4,
    'accessIPv6': pt.ipv6,
    'personality': {'type': 'array', 'items': {
        'type': 'object',
        'properties': {'path': {'type': 'string'}, 'contents': {'type': 'string'}},
        'additionalProperties': False}},
    # create extensions (seed 3.1): keypairs, availability_zone, multiple_create,
    # user_data, security_groups, config_drive, block_device_mapping
    'key_name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'availability_zone': pt.az_name,
    'min_count': pt.positive_integer,
    'max_count': pt.positive_integer,
    'return_reservation_id': pt.boolean,
    'user_data': {'type': 'string', 'maxLength': 65535},
    'security_groups': {'type': 'array', 'items': {
        'type': 'object', 'properties': {'name': {'type': 'string', 'minLength': 1}},
        'additionalProperties': False}},
    'config_drive': pt.boolean,
    'block_device_mapping_v2': {'type': 'array', 'items': _bdm_v2_item},
    'block_device_mapping': {'type': 'array', 'items': {'type': 'object'}},
}

_hints = {'type': 'object', 'additionalProperties': True}

base_create = {
    'type': 'object',
    'properties': {
        'server': {
            'type': 'object',
            'properties': _server_properties,
            'required': ['name', 'flavorRef'],
            'additionalProperties': False,
        },
        'os:scheduler_hints': _hints,
        'OS-SCH-HNT:scheduler_hints': _hints,
    },
    'required': ['server'],
    'additionalProperties': False,
}


def overlay(schema, server_properties=None, remove=(), required=None):
    """A new create schema: ``schema`` with server properties added/removed."""
    new = copy.copy(schema)
    new['properties'] = dict(schema['properties'])
    server = dict(new['properties']['server'])
    props = {k: v for k, v in server['properties'].items() if k not in remove}
    props.update(server_properties or {})
    server['properties'] = props
    if required is not None:
        server['required'] = required
    new['properties']['server'] = server
    return new


base_create_v20 = overlay(base_create, {
    'name': pt.name_with_leading_trailing_spaces,
    'user_data': {'type': ['string', 'null'], 'maxLength': 65535},
    'availability_zone': {'type': ['string', 'null']},
})

base_update = {
    'type': 'object',
    'properties': {'server': {'type': 'object', 'properties': {
        'name': pt.name, 'accessIPv4': pt.ipv4, 'accessIPv6': pt.ipv6,
        'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']}},
        'additionalProperties': False}},
    'required': ['server'], 'additionalProperties': False,
}

get_console_output = {
    'type': 'object',
    'properties': {'os-getConsoleOutput': {
        'type': 'object',
        'properties': {'length': {'type': ['integer', 'string', 'null'],
                                  'pattern': '^-?[0-9]+$', 'minimum': -1}},
        'additionalProperties': False}},
    'required': ['os-getConsoleOutput'], 'additionalProperties': False,
}
