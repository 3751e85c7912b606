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

# novalite accepts the 2.37 strings "auto"/"none" at every version (a
# relaxation of Nova, where they start at 2.37): they are what users mean.
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
        'image_id': {'type': 'string', 'format': 'uuid'},
        'virtual_name': {'type': 'string', 'maxLength': 255},
        'connection_info': {'type': 'string', 'maxLength': 16777215},
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
    'personality': pt.personality,
    # create extensions (seed 3.1): keypairs, availability_zone, multiple_create,
    # user_data, security_groups, config_drive, block_device_mapping
    'key_name': pt.name,
    'availability_zone': pt.name,
    'min_count': pt.positive_integer,
    'max_count': pt.positive_integer,
    'return_reservation_id': pt.boolean,
    'user_data': {'type': 'string', 'format': 'base64', 'maxLength': 65535},
    'security_groups': {'type': 'array', 'items': {
        'type': 'object', 'properties': {'name': pt.name},
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


def _with(item, **props):
    """``item`` (a networks or bdm item schema) with extra properties."""
    return dict(item, properties=dict(item['properties'], **props))


def _networks_of(item):
    return {'oneOf': [{'type': 'array', 'items': item},
                      {'type': 'string', 'enum': ['none', 'auto']}]}


def _bdm(item):
    return {'type': 'array', 'items': item}


def relaxed(schema):
    """Legacy v2.0: unknown properties are tolerated (and ignored) at every level,
    except where names follow a pattern (metadata keys), as in Nova."""
    if isinstance(schema, dict):
        out = {k: relaxed(v) for k, v in schema.items()}
        if out.get('additionalProperties') is False and 'patternProperties' not in out:
            out['additionalProperties'] = True
        return out
    if isinstance(schema, list):
        return [relaxed(v) for v in schema]
    return schema


# The create schemas, one per microversion that changed the request body.
base_create_v20 = relaxed(overlay(base_create, {
    'name': pt.name_with_leading_trailing_spaces,
    'availability_zone': pt.name_with_leading_trailing_spaces,
    'key_name': pt.name_with_leading_trailing_spaces,
    'security_groups': {'type': 'array', 'items': {
        'type': 'object', 'properties': {'name': pt.name_with_leading_trailing_spaces}}},
    'user_data': {'oneOf': [{'type': 'string', 'format': 'base64', 'maxLength': 65535},
                            {'type': 'null'}]},
}))
base_create_v219 = overlay(base_create, {'description': pt.description})
# 2.32 only: device tags on networks and bdms (2.33 dropped them by accident,
# 2.42 restored them).
_tagged_network = _with(_network_item, tag=pt.tag)
_tagged_bdm = _with(_bdm_v2_item, tag=pt.tag)
base_create_v232 = overlay(base_create_v219, {
    'networks': _networks_of(_tagged_network),
    'block_device_mapping_v2': _bdm(_tagged_bdm)})
base_create_v233 = overlay(base_create_v219, {'networks': _networks_of(_tagged_network)})
# 2.37: networks required; the uuid of a network must be a UUID.
_network_item_v237 = _with(_network_item, uuid={'type': 'string', 'format': 'uuid'})
base_create_v237 = overlay(base_create_v219, {'networks': _networks_of(_network_item_v237)},
                           required=['name', 'flavorRef', 'networks'])
base_create_v242 = overlay(base_create_v237, {
    'networks': _networks_of(_with(_network_item_v237, tag=pt.tag)),
    'block_device_mapping_v2': _bdm(_tagged_bdm)})
base_create_v252 = overlay(base_create_v242, {
    'tags': {'type': 'array', 'items': pt.tag, 'maxItems': pt.MAX_TAG_COUNT}})
base_create_v257 = overlay(base_create_v252, remove=('personality',))
base_create_v263 = overlay(base_create_v257, {'trusted_image_certificates': pt.trusted_certs})
base_create_v267 = overlay(base_create_v263, {
    'block_device_mapping_v2': _bdm(_with(_tagged_bdm, volume_type=pt.volume_type))})
base_create_v274 = overlay(base_create_v267, {'host': pt.fqdn, 'hypervisor_hostname': pt.fqdn})
base_create_v290 = overlay(base_create_v274, {'hostname': pt.hostname})
base_create_v294 = overlay(base_create_v274, {'hostname': pt.fqdn})

# (schema, min, max) in the order the validator tries them.
CREATE_SCHEMAS = [
    (base_create_v20, '2.0', '2.0'), (base_create, '2.1', '2.18'),
    (base_create_v219, '2.19', '2.31'), (base_create_v232, '2.32', '2.32'),
    (base_create_v233, '2.33', '2.36'), (base_create_v237, '2.37', '2.41'),
    (base_create_v242, '2.42', '2.51'), (base_create_v252, '2.52', '2.56'),
    (base_create_v257, '2.57', '2.62'), (base_create_v263, '2.63', '2.66'),
    (base_create_v267, '2.67', '2.73'), (base_create_v274, '2.74', '2.89'),
    (base_create_v290, '2.90', '2.93'), (base_create_v294, '2.94', None),
]

base_update = {
    'type': 'object',
    'properties': {'server': {'type': 'object', 'properties': {
        'name': pt.name, 'accessIPv4': pt.ipv4, 'accessIPv6': pt.ipv6,
        'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']}},
        'additionalProperties': False}},
    'required': ['server'], 'additionalProperties': False,
}
base_update_v20 = relaxed(overlay(base_update, {'name': pt.name_with_leading_trailing_spaces}))
base_update_v219 = overlay(base_update, {'description': pt.description})
base_update_v290 = overlay(base_update_v219, {'hostname': pt.hostname})
base_update_v294 = overlay(base_update_v219, {'hostname': pt.fqdn})

UPDATE_SCHEMAS = [
    (base_update_v20, '2.0', '2.0'), (base_update, '2.1', '2.18'),
    (base_update_v219, '2.19', '2.89'), (base_update_v290, '2.90', '2.93'),
    (base_update_v294, '2.94', None),
]

# -- GET /servers query strings ------------------------------------------------
_q = pt.common_query_param
_QUERY_NAMES = (
    'user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref', 'image', 'kernel_id',
    'ramdisk_id', 'hostname', 'key_name', 'power_state', 'vm_state', 'task_state', 'host',
    'node', 'flavor', 'reservation_id', 'launched_at', 'terminated_at', 'availability_zone',
    'name', 'display_name', 'description', 'display_description', 'locked_by', 'uuid',
    'root_device_name', 'config_drive', 'access_ip_v4', 'access_ip_v6', 'auto_disk_config',
    'progress', 'sort_key', 'sort_dir', 'all_tenants', 'soft_deleted', 'deleted', 'status',
    'changes-since', 'ip', 'ip6', 'created_at', 'limit', 'marker',
    # joined tables: accepted by the schema, refused by the handler
    'block_device_mapping', 'services', 'metadata', 'system_metadata', 'info_cache',
    'security_groups', 'pci_devices')


# Sort keys: valid ones, and ones accepted but ignored below 2.75 (2.73 made
# 'locked' a real sort key).
VALID_SORT_KEYS = (
    'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone', 'config_drive',
    'created_at', 'display_description', 'display_name', 'host', 'hostname', 'image_ref',
    'instance_type_id', 'kernel_id', 'key_name', 'launch_index', 'launched_at', 'locked',
    'locked_by', 'node', 'power_state', 'progress', 'project_id', 'ramdisk_id',
    'root_device_name', 'task_state', 'terminated_at', 'updated_at', 'user_id', 'uuid',
    'vm_state')
IGNORED_SORT_KEYS = (
    'architecture', 'cell_name', 'cleaned', 'default_ephemeral_device', 'default_swap_device',
    'deleted', 'deleted_at', 'disable_terminate', 'ephemeral_gb', 'ephemeral_key_uuid', 'id',
    'key_data', 'launched_on', 'memory_mb', 'os_type', 'reservation_id', 'root_gb',
    'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode')


def _sort_keys(keys):
    return {'type': 'array', 'minItems': 1, 'items': {'type': 'string', 'enum': list(keys)}}


def _query_overlay(schema, names):
    new = dict(schema, properties=dict(schema['properties']))
    new['properties'].update({n: _q for n in names})
    return new


query_params_v21 = {
    'type': 'object',
    'properties': dict({n: _q for n in _QUERY_NAMES},
                       sort_key=_sort_keys(VALID_SORT_KEYS + IGNORED_SORT_KEYS)),
    # unknown parameters are ignored below 2.75 ...
    'additionalProperties': True,
}
query_params_v226 = _query_overlay(query_params_v21, ('tags', 'tags-any', 'not-tags',
                                                      'not-tags-any'))
query_params_v266 = _query_overlay(query_params_v226, ('changes-before',))
query_params_v273 = _query_overlay(query_params_v266, ('locked',))
# ... and refused from 2.75, where sort_key must also be a real sort key.
query_params_v275 = dict(_query_overlay(query_params_v273, ()), additionalProperties=False)
query_params_v275['properties']['sort_key'] = _sort_keys(VALID_SORT_KEYS)

QUERY_SCHEMAS = [
    (query_params_v21, '2.0', '2.25'), (query_params_v226, '2.26', '2.65'),
    (query_params_v266, '2.66', '2.72'), (query_params_v273, '2.73', '2.74'),
    (query_params_v275, '2.75', None),
]

get_console_output = {
    'type': 'object',
    'properties': {'os-getConsoleOutput': {
        'type': 'object',
        'properties': {'length': {'type': ['integer', 'string', 'null'],
                                  'pattern': '^-?[0-9]+$', 'minimum': -1}},
        'additionalProperties': False}},
    'required': ['os-getConsoleOutput'], 'additionalProperties': False,
}
