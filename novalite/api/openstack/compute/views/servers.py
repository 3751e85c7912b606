"""Server views: the 202 create body, index entries and the detailed view."""
import hashlib

from novalite.api.openstack import common
from novalite.compute import vm_states

ISO = '%Y-%m-%dT%H:%M:%SZ'


def _iso(dt):
    return dt.strftime(ISO) if dt is not None else None


def _naive_iso(dt):
    return dt.isoformat() if dt is not None else None


def generate_hostid(host, project_id):
    """Nova's obfuscated host id: sha224 of project and host, '' without a host."""
    if not host:
        return ''
    return hashlib.sha224((project_id + host).encode()).hexdigest()


def host_id(instance):
    return generate_hostid(instance.host, instance.project_id)


def addresses(instance):
    if instance.vm_state == vm_states.BUILDING:
        return {}
    out = {}
    for vif in instance.network_info or []:
        net = vif.get('network', {})
        for subnet in net.get('subnets', []):
            for ip in subnet.get('ips', []):
                out.setdefault(net.get('label', 'private'), []).append({
                    'addr': ip['address'], 'version': ip.get('version', 4),
                    'OS-EXT-IPS:type': ip.get('type', 'fixed'),
                    'OS-EXT-IPS-MAC:mac_addr': vif.get('address')})
    return out


def create(req, instance, admin_password):
    server = {'id': instance.uuid, 'links': common.links(req, 'servers', instance.uuid),
              'OS-DCF:diskConfig': 'AUTO' if instance.auto_disk_config else 'MANUAL',
              'security_groups': [{'name': n} for n in instance.security_groups or ['default']]}
    if admin_password is not None:
        server['adminPass'] = admin_password
    return {'server': server}


def basic(req, instance):
    return {'id': instance.uuid, 'name': instance.display_name,
            'links': common.links(req, 'servers', instance.uuid)}


def show(req, instance, fault=None, is_admin=False):
    status = common.status_from_state(instance.vm_state, instance.task_state)
    flavor = instance.flavor or {}
    server = {
        'id': instance.uuid, 'name': instance.display_name, 'status': status,
        'tenant_id': instance.project_id, 'user_id': instance.user_id,
        'metadata': instance.metadata or {}, 'hostId': host_id(instance),
        'image': ({'id': instance.image_ref,
                   'links': common.bookmark(req, 'images', instance.image_ref)}
                  if instance.image_ref else ''),
        'flavor': {'id': flavor.get('flavorid'),
                   'links': common.bookmark(req, 'flavors', flavor.get('flavorid'))},
        'created': _iso(instance.created_at),
        'updated': _iso(instance.updated_at or instance.created_at),
        'addresses': addresses(instance),
        'accessIPv4': instance.access_ip_v4 or '', 'accessIPv6': instance.access_ip_v6 or '',
        'links': common.links(req, 'servers', instance.uuid),
        'key_name': instance.key_name,
        'config_drive': instance.config_drive or '',
        'OS-DCF:diskConfig': 'AUTO' if instance.auto_disk_config else 'MANUAL',
        'OS-EXT-AZ:availability_zone': instance.availability_zone or '',
        'OS-EXT-STS:vm_state': instance.vm_state,
        'OS-EXT-STS:task_state': instance.task_state,
        'OS-EXT-STS:power_state': instance.power_state or 0,
        'OS-SRV-USG:launched_at': _naive_iso(instance.launched_at),
        'OS-SRV-USG:terminated_at': _naive_iso(instance.terminated_at),
        'os-extended-volumes:volumes_attached': [],
        'security_groups': [{'name': n} for n in instance.security_groups or ['default']],
    }
    if status in ('BUILD', 'ACTIVE', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'):
        server['progress'] = instance.progress or 0
    if is_admin:
        server.update({
            'OS-EXT-SRV-ATTR:host': instance.host,
            'OS-EXT-SRV-ATTR:hypervisor_hostname': instance.node,
            'OS-EXT-SRV-ATTR:instance_name': instance.name,
        })
    if fault is not None and status in ('ERROR', 'DELETED'):
        f = {'code': fault['code'], 'created': _iso(fault['created_at']),
             'message': fault['message']}
        if fault['code'] != 500 or is_admin:
            f['details'] = fault.get('details') or ''
        server['fault'] = f
    return server
