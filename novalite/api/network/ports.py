"""Ports: Neutron's view with the port-binding attributes, and the binding a
compute asks for by setting ``binding:host_id``.

A port bound to a host (vnic_type ``normal``) gets ``binding:vif_type``
``bridge`` with ``binding:vif_details`` naming the Linux bridge of its
network (Neutron's linuxbridge name, ``brq`` + the network id's first 11
characters); a flat provider network adds its ``physical_network``, which the
compute maps to its own bridge.  A bound port whose admin state is up is
ACTIVE; unbinding (``binding:host_id`` "") makes it ``unbound`` and DOWN.
"""
import uuid

from novalite.api.network import attributes
from novalite.api.network import networks
from novalite.api.network import policy
from novalite.db import network as db_network
from novalite.db import ports as db

NAME = 'port'
COLLECTION = 'ports'
ATTRS = attributes.PORT
INTERNAL = ['network:project_id', 'shared']
COLUMNS = {'id': 'id', 'name': 'name', 'network_id': 'network_id', 'tenant_id': 'project_id',
           'project_id': 'project_id', 'mac_address': 'mac_address',
           'admin_state_up': 'admin_state_up', 'status': 'status', 'device_id': 'device_id',
           'device_owner': 'device_owner', 'description': 'description',
           'revision_number': 'revision_number', 'binding:host_id': 'binding_host_id',
           'binding:vnic_type': 'binding_vnic_type'}


def view(row, network):
    return {
        'id': row['id'], 'name': row['name'], 'network_id': row['network_id'],
        'tenant_id': row['project_id'], 'project_id': row['project_id'],
        'mac_address': row['mac_address'], 'admin_state_up': row['admin_state_up'],
        'status': row['status'], 'device_id': row['device_id'],
        'device_owner': row['device_owner'], 'fixed_ips': row['fixed_ips'],
        'allowed_address_pairs': [], 'extra_dhcp_opts': [], 'security_groups': [],
        'description': row['description'], 'binding:host_id': row['binding_host_id'],
        'binding:vif_type': row['binding_vif_type'],
        'binding:vif_details': row['binding_vif_details'],
        'binding:vnic_type': row['binding_vnic_type'],
        'binding:profile': row['binding_profile'],
        'port_security_enabled': row['port_security_enabled'],
        'created_at': networks.timestamp(row['created_at']),
        'updated_at': networks.timestamp(row['updated_at']),
        'revision_number': row['revision_number'], 'tags': [],
        'network:project_id': network['project_id'], 'shared': network['shared'],
    }


def _networks(ids):
    return {n['id']: n for n in db_network.network_get_all(None, {'id': sorted(ids)})} \
        if ids else {}


def _views(rows):
    nets = _networks({r['network_id'] for r in rows})
    return [view(r, nets[r['network_id']]) for r in rows]


def get(ctx, ident, scope):
    return _views([db.port_get(ident, scope)])[0]


def get_all(ctx, scope, filters):
    fixed_ips = filters.pop('fixed_ips', None)
    columns = {COLUMNS[k]: v for k, v in filters.items() if k in COLUMNS}
    return _views(db.port_get_all(scope, columns, fixed_ips))


def binding(network, host, vnic_type, admin_state_up):
    """The binding columns and status of a port on ``network`` bound to
    ``host`` (or unbound when ``host`` is empty)."""
    if not host:
        vif_type, details = 'unbound', {}
    elif vnic_type != 'normal':
        vif_type, details = 'binding_failed', {}
    else:
        vif_type = 'bridge'
        details = {'bridge_name': 'brq' + network['id'][:11], 'port_filter': False,
                   'connectivity': 'l2'}
        if network['provider:network_type'] == 'flat':
            details['physical_network'] = network['provider:physical_network']
    status = 'ACTIVE' if vif_type == 'bridge' and admin_state_up else 'DOWN'
    return {'binding_host_id': host or '', 'binding_vif_type': vif_type,
            'binding_vif_details': details, 'status': status}


def create(ctx, values, given):
    network = networks.get(ctx, values['network_id'], policy.scope(ctx))
    target = dict(values, shared=network['shared'],
                  **{'network:project_id': network['project_id']})
    policy.enforce(ctx, 'create_port', NAME, target, given, is_create=True)
    row = {'id': str(uuid.uuid4()), 'project_id': values['project_id'],
           'name': values['name'], 'network_id': network['id'],
           'admin_state_up': values['admin_state_up'], 'device_id': values['device_id'],
           'device_owner': values['device_owner'], 'description': values['description'],
           'port_security_enabled': values.get('port_security_enabled',
                                               network['port_security_enabled']),
           'binding_vnic_type': values['binding:vnic_type'],
           'binding_profile': values.get('binding:profile') or {}}
    row.update(binding(network, values.get('binding:host_id'), row['binding_vnic_type'],
                       row['admin_state_up']))
    created = db.port_create(row, values.get('fixed_ips'), values.get('mac_address'))
    return view(created, network)


SIMPLE = {'name': 'name', 'description': 'description', 'device_id': 'device_id',
          'device_owner': 'device_owner', 'admin_state_up': 'admin_state_up',
          'port_security_enabled': 'port_security_enabled',
          'binding:vnic_type': 'binding_vnic_type', 'binding:profile': 'binding_profile'}


def update(ctx, original, values, given):
    network = networks.get(ctx, original['network_id'], None)
    columns = {col: values[key] for key, col in SIMPLE.items() if key in values}
    if 'binding_profile' in columns and columns['binding_profile'] is None:
        columns['binding_profile'] = {}
    if {'binding:host_id', 'binding:vnic_type', 'admin_state_up'} & set(values):
        columns.update(binding(
            network, values.get('binding:host_id', original['binding:host_id']),
            values.get('binding:vnic_type', original['binding:vnic_type']),
            values.get('admin_state_up', original['admin_state_up'])))
    updated = db.port_update(original['id'], columns, values.get('fixed_ips'),
                             values.get('mac_address'))
    return view(updated, network)


def delete(ctx, original):
    db.port_delete(original['id'])
