"""Networks: Neutron's view, provider attributes (ML2's ``local`` and ``flat``
types), filters mapped to columns."""
import uuid

from novalite.api.network import attributes
from novalite.api.network import policy
from novalite.db import network as db
from novalite.network import errors

NAME = 'network'
COLLECTION = 'networks'
ATTRS = attributes.NETWORK
INTERNAL = ['network:project_id']
MTU = 1500               # a Linux bridge, no overlay
TYPES = ('local', 'flat')
COLUMNS = {'id': 'id', 'name': 'name', 'status': 'status', 'admin_state_up': 'admin_state_up',
           'shared': 'shared', 'mtu': 'mtu', 'tenant_id': 'project_id',
           'project_id': 'project_id', 'description': 'description',
           'revision_number': 'revision_number', 'provider:network_type': 'network_type',
           'provider:physical_network': 'physical_network',
           'provider:segmentation_id': 'segmentation_id'}


def timestamp(value):
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def view(row):
    return {
        'id': row['id'], 'name': row['name'], 'tenant_id': row['project_id'],
        'project_id': row['project_id'], 'admin_state_up': row['admin_state_up'],
        'status': row['status'], 'subnets': row['subnets'], 'shared': row['shared'],
        'router:external': False, 'mtu': row['mtu'],
        'provider:network_type': row['network_type'],
        'provider:physical_network': row['physical_network'],
        'provider:segmentation_id': row['segmentation_id'],
        'port_security_enabled': row['port_security_enabled'],
        'availability_zone_hints': [], 'availability_zones': [],
        'ipv4_address_scope': None, 'ipv6_address_scope': None,
        'description': row['description'], 'created_at': timestamp(row['created_at']),
        'updated_at': timestamp(row['updated_at']),
        'revision_number': row['revision_number'], 'tags': [],
        'network:project_id': row['project_id'],
    }


def db_filters(filters):
    """(column filters, match-nothing) from API filters."""
    out = {}
    for key, values in filters.items():
        if key == 'router:external':
            if True in values and False not in values:
                return None
            continue
        if key in COLUMNS:
            out[COLUMNS[key]] = values
    return out


def get(ctx, ident, scope):
    return view(db.network_get(ident, scope))


def get_all(ctx, scope, filters):
    columns = db_filters(filters)
    return [] if columns is None else [view(r) for r in db.network_get_all(scope, columns)]


def _provider(values):
    """The segment columns for the provider attributes, checked as ML2's
    type drivers do."""
    ntype = values.get('provider:network_type')
    physnet = values.get('provider:physical_network')
    segid = values.get('provider:segmentation_id')
    if ntype is None:
        if physnet is not None or segid is not None:
            raise errors.InvalidInput(error_message='network_type required')
        return {'network_type': 'local'}
    if ntype not in TYPES:
        raise errors.InvalidInput(error_message="network_type value '%s' not supported"
                                  % ntype)
    if segid is not None:
        raise errors.InvalidInput(error_message='segmentation_id prohibited for %s '
                                                'provider network' % ntype)
    if ntype == 'flat' and not physnet:
        raise errors.InvalidInput(error_message='physical_network required for flat '
                                                'provider network')
    if ntype == 'local' and physnet is not None:
        raise errors.InvalidInput(error_message='physical_network prohibited for local '
                                                'provider network')
    return {'network_type': ntype, 'physical_network': physnet}


def _no_external(values):
    if values.get('router:external'):
        raise errors.InvalidInput(error_message='external networks are not supported by '
                                                'this network service')


def create(ctx, values, given):
    target = dict(values, **{'network:project_id': values['project_id']})
    policy.enforce(ctx, 'create_network', NAME, target, given, is_create=True)
    _no_external(values)
    row = dict(_provider(values), id=str(uuid.uuid4()), project_id=values['project_id'],
               name=values['name'], admin_state_up=values['admin_state_up'],
               shared=values['shared'], mtu=MTU, description=values['description'],
               port_security_enabled=values['port_security_enabled'])
    return view(db.network_create(row))


def update(ctx, original, values, given):
    _no_external(values)
    for key in ('provider:network_type', 'provider:physical_network',
                'provider:segmentation_id'):
        if key in values and values[key] != original[key]:
            raise errors.InvalidInput(error_message='Plugin does not support updating '
                                                    'provider attributes')
    columns = {k: values[k] for k in ('name', 'admin_state_up', 'shared', 'description',
                                      'port_security_enabled') if k in values}
    return view(db.network_update(original['id'], columns))


def delete(ctx, original):
    db.network_delete(original['id'])
