"""Server views: the 202 create body, index entries and the detailed view."""
import functools
import hashlib

from novalite.api.openstack import common
from novalite.compute import vm_states

ISO = '%Y-%m-%dT%H:%M:%SZ'


def _iso(dt):
    """``ISO`` of a time stamp (UTC, as stored): isoformat is the fast way to it."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.isoformat(timespec='seconds') + 'Z'
    return dt.strftime(ISO)


def _naive_iso(dt):
    return dt.isoformat() if dt is not None else None


@functools.lru_cache(maxsize=4096)
def generate_hostid(host, project_id):
    """Nova's obfuscated host id: sha224 of project and host, '' without a host."""
    if not host:
        return ''
    return hashlib.sha224((project_id + host).encode()).hexdigest()


def host_id(instance):
    return generate_hostid(instance.host, instance.project_id)


def addresses(instance, extend=True):
    if instance.vm_state == vm_states.BUILDING:
        return {}
    out = {}
    for vif in instance.network_info or []:
        net = vif.get('network', {})
        for subnet in net.get('subnets', []):
            for ip in subnet.get('ips', []):
                addr = {'addr': ip['address'], 'version': ip.get('version', 4)}
                if extend:
                    addr.update({'OS-EXT-IPS:type': ip.get('type', 'fixed'),
                                 'OS-EXT-IPS-MAC:mac_addr': vif.get('address')})
                out.setdefault(net.get('label', 'private'), []).append(addr)
    return out


def create(req, instance, admin_password):
    server = {'id': instance.uuid, 'links': common.links(req, 'servers', instance.uuid),
              'OS-DCF:diskConfig': 'AUTO' if instance.auto_disk_config else 'MANUAL',
              'security_groups': _security_groups(instance)}
    if admin_password is not None:
        server['adminPass'] = admin_password
    return {'server': server}


def basic(req, instance):
    return {'id': instance.uuid, 'name': instance.display_name,
            'links': common.links(req, 'servers', instance.uuid)}


def _security_groups(instance):
    return [{'name': n} for n in instance.security_groups or ['default']]


def _sysmeta(instance):
    return instance.system_metadata or {}


def image(req, instance):
    """The embedded image: id and bookmark; its properties from 2.98."""
    if not instance.image_ref:
        return ''
    out = {'id': instance.image_ref,
           'links': common.bookmark(req, 'images', instance.image_ref)}
    if req.is_at_least('2.98'):
        out['properties'] = {k[len('image_'):]: v for k, v in _sysmeta(instance).items()
                             if k.startswith('image_')}
    return out


def flavor(req, instance):
    """A link to the flavor; from 2.47 the flavor itself as it was at boot."""
    f = instance.flavor or {}
    if req.is_at_least('2.47'):
        return {'vcpus': f.get('vcpus'), 'ram': f.get('memory_mb'), 'disk': f.get('root_gb'),
                'ephemeral': f.get('ephemeral_gb'), 'swap': f.get('swap') or 0,
                'original_name': f.get('name'), 'extra_specs': f.get('extra_specs') or {}}
    return {'id': f.get('flavorid'), 'links': common.bookmark(req, 'flavors', f.get('flavorid'))}


# OS-EXT-SRV-ATTR:* for admins: 2.1, and what 2.3 added.
_EXT_ATTRS = (('host', 'host'), ('hypervisor_hostname', 'node'),
              ('instance_name', 'name'))
_EXT_ATTRS_V23 = (('reservation_id', 'reservation_id'), ('launch_index', 'launch_index'),
                  ('hostname', 'hostname'), ('kernel_id', 'kernel_id'),
                  ('ramdisk_id', 'ramdisk_id'), ('root_device_name', 'root_device_name'),
                  ('user_data', 'user_data'))


def _extended_attributes(req, instance):
    attrs = _EXT_ATTRS + (_EXT_ATTRS_V23 if req.is_at_least('2.3') else ())
    out = {}
    for key, attr in attrs:
        value = getattr(instance, attr, None)
        if attr in ('kernel_id', 'ramdisk_id'):
            value = value or ''
        out['OS-EXT-SRV-ATTR:' + key] = value
    return out


def _tenant_message(message):
    """A fault message as a tenant sees it: its first line only, never a
    remote traceback (the details are for admins)."""
    first = (message or '').split('\n', 1)[0].strip()
    return first.split('Traceback (most recent call last)', 1)[0].strip() or 'Unknown'


def shows_fault(instance):
    """Whether the detailed view shows the instance's fault (its status)."""
    return common.status_from_state(instance.vm_state, instance.task_state) in _FAULT_STATUSES


_FAULT_STATUSES = ('ERROR', 'DELETED')


def show(req, instance, fault=None, is_admin=False, host_status=None, full=True,
         server_groups=None):
    """The detailed view (show, detail, update, create-and-show).

    ``full=False`` is the slimmer body PUT answered with below 2.75 (no
    availability zone, key, usage, status or volume attributes).
    ``host_status`` is shown from 2.16 when given (the caller checks policy);
    ``server_groups`` (a list) from 2.71 in show and update only.
    """
    status = common.status_from_state(instance.vm_state, instance.task_state)
    server = {
        'id': instance.uuid, 'name': instance.display_name, 'status': status,
        'tenant_id': instance.project_id, 'user_id': instance.user_id,
        'metadata': instance.metadata or {}, 'hostId': host_id(instance),
        'image': image(req, instance), 'flavor': flavor(req, instance),
        'created': _iso(instance.created_at),
        'updated': _iso(instance.updated_at or instance.created_at),
        'addresses': addresses(instance, extend=full),
        'accessIPv4': instance.access_ip_v4 or '', 'accessIPv6': instance.access_ip_v6 or '',
        'links': common.links(req, 'servers', instance.uuid),
        'OS-DCF:diskConfig': 'AUTO' if instance.auto_disk_config else 'MANUAL',
    }
    if fault is not None and status in _FAULT_STATUSES:
        f = {'code': fault['code'], 'created': _iso(fault['created_at']),
             'message': fault['message'] if is_admin else _tenant_message(fault['message'])}
        if fault['code'] != 500 or is_admin:
            f['details'] = fault.get('details') or ''
        server['fault'] = f
    if status in ('BUILD', 'ACTIVE', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'):
        server['progress'] = instance.progress or 0
    if full:
        server.update({
            'OS-EXT-AZ:availability_zone': instance.availability_zone or '',
            'config_drive': instance.config_drive or '',
            'key_name': instance.key_name,
            'OS-SRV-USG:launched_at': _naive_iso(instance.launched_at),
            'OS-SRV-USG:terminated_at': _naive_iso(instance.terminated_at),
            'security_groups': _security_groups(instance),
            'OS-EXT-STS:task_state': instance.task_state,
            'OS-EXT-STS:vm_state': instance.vm_state,
            'OS-EXT-STS:power_state': instance.power_state or 0,
            'os-extended-volumes:volumes_attached': [],
        })
        if is_admin:
            server.update(_extended_attributes(req, instance))
        elif req.is_at_least('2.90'):
            server['OS-EXT-SRV-ATTR:hostname'] = instance.hostname
        if host_status is not None and req.is_at_least('2.16'):
            server['host_status'] = host_status
    sysmeta = _sysmeta(instance)
    if req.is_at_least('2.9'):
        server['locked'] = bool(instance.locked)
    if req.is_at_least('2.19'):
        server['description'] = instance.display_description
    if req.is_at_least('2.26'):
        server['tags'] = list(sysmeta.get('tags') or [])
    if req.is_at_least('2.63'):
        server['trusted_image_certificates'] = sysmeta.get('trusted_image_certificates')
    if server_groups is not None and req.is_at_least('2.71'):
        server['server_groups'] = server_groups
    if req.is_at_least('2.73'):
        server['locked_reason'] = sysmeta.get('locked_reason') if instance.locked else None
    if req.is_at_least('2.96'):
        server['pinned_availability_zone'] = sysmeta.get('pinned_availability_zone')
    if req.is_at_least('2.100'):
        server['scheduler_hints'] = sysmeta.get('scheduler_hints') or {}
    return server
