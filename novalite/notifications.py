"""Instance notifications through the oslo.messaging notifier.

Legacy (``compute.instance.create.start``, topic ``notifications``) and
versioned (``instance.create.start``, topic ``versioned_notifications``, an
``InstanceCreatePayload``) forms, chosen by ``[notifications]
notification_format``.  Delivery is governed by
``[oslo_messaging_notifications] driver`` (unset: nothing is sent, as in Nova).
"""
import logging

from oslo_config import cfg

from novalite import rpc

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def _iso(dt):
    return dt.isoformat() if dt is not None else None


def _ips(instance):
    ips = []
    for vif in instance.network_info or []:
        for subnet in vif.get('network', {}).get('subnets', []):
            for ip in subnet.get('ips', []):
                ips.append({'address': ip['address'], 'version': ip.get('version', 4),
                            'mac': vif.get('address'), 'label': vif['network'].get('label'),
                            'port_uuid': vif.get('id'), 'device_name': None,
                            'meta': {}})
    return ips


def legacy_payload(instance, **extra):
    flavor = instance.flavor or {}
    payload = {
        'tenant_id': instance.project_id, 'user_id': instance.user_id,
        'instance_id': instance.uuid, 'display_name': instance.display_name,
        'reservation_id': instance.reservation_id, 'hostname': instance.hostname,
        'host': instance.host, 'node': instance.node,
        'instance_type': flavor.get('name'), 'instance_type_id': instance.instance_type_id,
        'instance_flavor_id': flavor.get('flavorid'),
        'memory_mb': instance.memory_mb, 'disk_gb': instance.root_gb + instance.ephemeral_gb,
        'root_gb': instance.root_gb, 'ephemeral_gb': instance.ephemeral_gb,
        'vcpus': instance.vcpus, 'state': instance.vm_state,
        'state_description': instance.task_state or '',
        'image_ref_url': instance.image_ref, 'image_meta': {},
        'created_at': _iso(instance.created_at), 'launched_at': _iso(instance.launched_at) or '',
        'terminated_at': _iso(instance.terminated_at) or '',
        'availability_zone': instance.availability_zone,
        'metadata': instance.metadata or {}, 'fixed_ips': _ips(instance),
        'progress': instance.progress or '',
    }
    payload.update(extra)
    return payload


def versioned_payload(instance, fault=None):
    flavor = instance.flavor or {}
    data = {
        'uuid': instance.uuid, 'user_id': instance.user_id, 'tenant_id': instance.project_id,
        'reservation_id': instance.reservation_id, 'display_name': instance.display_name,
        'display_description': instance.display_description,
        'host_name': instance.hostname, 'host': instance.host, 'node': instance.node,
        'os_type': None, 'architecture': None,
        'availability_zone': instance.availability_zone,
        'flavor': {'nova_object.name': 'FlavorPayload', 'nova_object.namespace': 'nova',
                   'nova_object.version': '1.4',
                   'nova_object.data': {'flavorid': flavor.get('flavorid'),
                                        'name': flavor.get('name'),
                                        'memory_mb': flavor.get('memory_mb'),
                                        'vcpus': flavor.get('vcpus'),
                                        'root_gb': flavor.get('root_gb'),
                                        'ephemeral_gb': flavor.get('ephemeral_gb'),
                                        'swap': flavor.get('swap'),
                                        'extra_specs': flavor.get('extra_specs', {})}},
        'image_uuid': instance.image_ref, 'key_name': instance.key_name,
        'kernel_id': instance.kernel_id or '', 'ramdisk_id': instance.ramdisk_id or '',
        'created_at': _iso(instance.created_at), 'launched_at': _iso(instance.launched_at),
        'terminated_at': _iso(instance.terminated_at), 'deleted_at': _iso(instance.deleted_at),
        'updated_at': _iso(instance.updated_at),
        'state': instance.vm_state, 'power_state': instance.power_state,
        'task_state': instance.task_state, 'progress': instance.progress or 0,
        'ip_addresses': _ips(instance), 'block_devices': [],
        'metadata': instance.metadata or {}, 'locked': bool(instance.locked),
        'auto_disk_config': 'AUTO' if instance.auto_disk_config else 'MANUAL',
        'locked_reason': None, 'instance_name': instance.name,
        'keypairs': [], 'tags': [], 'trusted_image_certificates': None,
        'fault': fault,
    }
    return {'nova_object.name': 'InstanceCreatePayload', 'nova_object.namespace': 'nova',
            'nova_object.version': '1.13', 'nova_object.data': data}


def notify_about_instance_create(context, instance, host, phase, fault=None):
    """``phase`` is 'start', 'end' or 'error'.  Never raises: a notification
    problem must not fail a build."""
    fmt = CONF.notifications.notification_format
    priority = 'error' if phase == 'error' else 'info'
    try:
        if fmt in ('unversioned', 'both'):
            extra = {'message': 'Success'} if phase == 'end' else {}
            if fault is not None:
                extra = {'message': fault['message'], 'exception': fault['exception']}
            notifier = rpc.get_notifier('compute.%s' % host)
            getattr(notifier, priority)(context, 'compute.instance.create.%s' % phase,
                                        legacy_payload(instance, **extra))
        if fmt in ('versioned', 'both'):
            vfault = None
            if fault is not None:
                vfault = {'nova_object.name': 'ExceptionPayload', 'nova_object.namespace': 'nova',
                          'nova_object.version': '1.1',
                          'nova_object.data': {'exception': fault['exception'],
                                               'exception_message': fault['message'],
                                               'function_name': '_build_and_run_instance',
                                               'module_name': 'novalite.compute.manager',
                                               'traceback': fault.get('details', '')}}
            notifier = rpc.get_notifier('nova-compute:%s' % host, versioned=True)
            getattr(notifier, priority)(context, 'instance.create.%s' % phase,
                                        versioned_payload(instance, vfault))
    except Exception:  # noqa: BLE001 - notifications are best effort
        LOG.exception('Failed to send instance.create.%s notification', phase)
