"""Server-create extensions (seed 3.1), loaded by stevedore from the
``novalite.api.v21.extensions.server.create`` namespace.

Each is ``fn(server_dict, create_kwargs, body)``: it reads its part of the
request body and fills keyword arguments of ``compute_api.create`` (only its
real arguments: nothing for the handler to pop again).
"""
from novalite.api.openstack.compute.schemas import parameter_types as pt
from novalite import exception


def keypairs(server_dict, create_kwargs, body):
    if 'key_name' in server_dict:
        create_kwargs['key_name'] = server_dict['key_name']


def availability_zone(server_dict, create_kwargs, body):
    az = server_dict.get('availability_zone')
    if not az:
        return
    zone, _sep, rest = az.partition(':')
    host, _sep, node = rest.partition(':')
    create_kwargs['availability_zone'] = zone or None
    if host:
        create_kwargs['forced_host'] = host
    if node:
        create_kwargs['forced_node'] = node


def multiple_create(server_dict, create_kwargs, body):
    min_count = int(server_dict.get('min_count', 1))
    max_count = int(server_dict.get('max_count', min_count))
    if min_count > max_count:
        raise exception.InvalidRequest('min_count must be <= max_count')
    create_kwargs['min_count'], create_kwargs['max_count'] = min_count, max_count


def user_data(server_dict, create_kwargs, body):
    if server_dict.get('user_data') is not None:
        create_kwargs['user_data'] = server_dict['user_data']


def scheduler_hints(server_dict, create_kwargs, body):
    hints = body.get('os:scheduler_hints') or body.get('OS-SCH-HNT:scheduler_hints') or {}
    create_kwargs['scheduler_hints'] = {k: v for k, v in hints.items()
                                        if not k.startswith('_nova')}


def security_groups(server_dict, create_kwargs, body):
    groups = []
    for sg in server_dict.get('security_groups') or []:
        if sg.get('name') and sg['name'] not in groups:
            groups.append(sg['name'])
    create_kwargs['security_groups'] = groups or ['default']


def config_drive(server_dict, create_kwargs, body):
    if 'config_drive' in server_dict:
        create_kwargs['config_drive'] = pt.is_true(server_dict['config_drive'])


def block_device_mapping(server_dict, create_kwargs, body):
    """Only image → local boot disks (what openstackclient always sends);
    volumes need a block storage service novalite does not have."""
    if server_dict.get('block_device_mapping') and server_dict.get('block_device_mapping_v2'):
        raise exception.InvalidRequest('Using different block_device_mapping syntaxes '
                                       'is not allowed in the same request.')
    for bdm in server_dict.get('block_device_mapping_v2') or []:
        if bdm.get('source_type') != 'image' or bdm.get('destination_type', 'local') != 'local':
            raise exception.InvalidBDM('Block Device Mapping is Invalid: only image to '
                                       'local boot disks are supported (no volume service).')
    if server_dict.get('block_device_mapping_v2'):
        create_kwargs['block_device_mapping'] = list(server_dict['block_device_mapping_v2'])
    if server_dict.get('block_device_mapping'):
        raise exception.InvalidBDM('Block Device Mapping is Invalid: volumes are not '
                                   'supported (no volume service).')
