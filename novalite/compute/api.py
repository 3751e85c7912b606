"""The compute API (seed 3.3–3.4): what novalite-api does with a request.

``create`` (seed 3.3, wrapped by the ``create_instance`` hook) builds the
scheduler's filter properties and calls ``_create_instance`` (seed 3.4), which
validates what the schema cannot (``_validate_and_build_base_options``), writes
the instance rows (vm_state building, task_state scheduling) within quota in
one transaction and casts ``build_instances`` to the conductor.  No HTTP here.
"""
import base64
import binascii
import ipaddress
import logging
import random
import string
import uuid as uuidlib

import oslo_messaging as messaging
from oslo_config import cfg

from novalite.compute import rpcapi as compute_rpcapi
from novalite.compute import task_states, vm_states
from novalite.conductor import api as conductor_api
from novalite import context as nl_context
from novalite.db import actions as db_actions
from novalite.db import api as db
from novalite.db import keypairs as db_keypairs
from novalite.db import hosts as db_hosts
from novalite import exception
from novalite import hooks
from novalite.image import api as image_api
from novalite.network import neutron
from novalite.objects.request_spec import RequestSpec
from novalite import quota
from novalite.scheduler import utils as scheduler_utils

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def generate_reservation_id():
    return 'r-' + ''.join(random.choice(string.ascii_lowercase + string.digits)
                          for _ in range(8))


def generate_password(length=12):
    chars = string.ascii_letters + string.digits
    return ''.join(random.SystemRandom().choice(chars) for _ in range(length))


def normalize_ipv6(address):
    """An IPv6 address in its compressed form, as Nova's IPV6AddressField
    stores it ('2001:0db8:0::1' is '2001:db8::1')."""
    if not address:
        return address
    try:
        return ipaddress.IPv6Address(address).compressed
    except ValueError:
        raise exception.InvalidRequest('accessIPv6 is not a valid IPv6 address.')


def flavor_for_instance(flavor):
    keys = ('id', 'flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb',
            'swap', 'rxtx_factor', 'extra_specs', 'description')
    return {k: flavor.get(k) for k in keys}


class API:
    def __init__(self):
        self.compute_task_api = conductor_api.ComputeTaskAPI()
        self.compute_rpcapi = compute_rpcapi.ComputeAPI()
        self.network_api = neutron.API()

    # -- create ---------------------------------------------------------------
    def _get_image(self, context, image_href):
        image = image_api.get(context, image_href)
        if image['status'] != 'active':
            raise exception.ImageNotActive(image_id=image_href)
        return image

    @staticmethod
    def _check_flavor_image(flavor, image):
        if flavor['memory_mb'] < (image.get('min_ram') or 0):
            raise exception.FlavorMemoryTooSmall()
        root = flavor['root_gb'] * 1024 ** 3
        if root:
            if (image.get('size') or 0) > root:
                raise exception.FlavorDiskSmallerThanImage(flavor_size=root,
                                                           image_size=image['size'])
            if (image.get('min_disk') or 0) * 1024 ** 3 > root:
                raise exception.FlavorDiskSmallerThanMinDisk(
                    flavor_size=root, image_min_disk=image['min_disk'] * 1024 ** 3)

    @hooks.add_hook('create_instance')
    def create(self, context, flavor, image_href, display_name=None,
               display_description=None, metadata=None, user_data=None, key_name=None,
               availability_zone=None, forced_host=None, forced_node=None, min_count=1,
               max_count=1, requested_networks=None, security_groups=None,
               admin_password=None, scheduler_hints=None, config_drive=None,
               auto_disk_config=None, access_ip_v4=None, access_ip_v6=None,
               hostname=None, tags=None, trusted_certs=None, requested_host=None,
               requested_hypervisor_hostname=None, block_device_mapping=None):
        """Provision instances (seed 3.3): checks that need no image, the
        scheduler's filter properties, then ``_create_instance``.

        Returns (instances, reservation_id).
        """
        if hostname and max_count > 1:
            raise exception.InvalidRequest('Unable to set hostname with multiple instances.')
        self._check_requested_destination(requested_host, requested_hypervisor_hostname)
        filter_properties = scheduler_utils.build_filter_properties(
            scheduler_hints or {}, forced_host, forced_node, flavor_for_instance(flavor))
        image_href = image_href or _boot_image(block_device_mapping)
        return self._create_instance(
            context, flavor, image_href, min_count, max_count, display_name,
            display_description, hostname, key_name, security_groups, availability_zone,
            user_data, metadata, admin_password, access_ip_v4, access_ip_v6,
            requested_networks, config_drive, auto_disk_config, filter_properties,
            tags=tags, trusted_certs=trusted_certs, requested_host=requested_host,
            requested_hypervisor_hostname=requested_hypervisor_hostname)

    def _validate_and_build_base_options(self, context, flavor, image, display_description,
                                         key_name, security_groups, availability_zone,
                                         user_data, metadata, access_ip_v4, access_ip_v6,
                                         requested_networks, config_drive, auto_disk_config,
                                         reservation_id, limits, scheduler_hints, tags,
                                         trusted_certs):
        """Check what the schema cannot and return the values every instance
        row of this request shares (seed 3.4)."""
        if flavor.get('disabled'):
            raise exception.FlavorNotFound(flavor_id=flavor['flavorid'])
        self._check_flavor_image(flavor, image)
        quota.check_metadata_items(limits, metadata)
        if user_data is not None:
            try:
                base64.b64decode(user_data, validate=True)
            except (binascii.Error, ValueError):
                raise exception.InvalidRequest('User data needs to be valid base 64.')
        key_data = None
        if key_name is not None:
            try:
                key_data = db_keypairs.key_pair_get(context.user_id, key_name)['public_key']
            except exception.KeypairNotFound:
                raise exception.InvalidRequest('Invalid key_name provided.')
        if availability_zone and availability_zone != CONF.default_availability_zone:
            raise exception.InvalidAvailabilityZone()
        props = image.get('properties', {})
        auto_disk = (auto_disk_config if auto_disk_config is not None else
                     str(props.get('auto_disk_config', 'false')).lower() == 'true')
        return {
            'project_id': context.project_id, 'user_id': context.user_id,
            'display_description': display_description,
            'vm_state': vm_states.BUILDING, 'task_state': task_states.SCHEDULING,
            'power_state': 0, 'progress': 0,
            'availability_zone': availability_zone or CONF.default_availability_zone,
            'instance_type_id': flavor['id'], 'flavor': flavor_for_instance(flavor),
            'memory_mb': flavor['memory_mb'], 'vcpus': flavor['vcpus'],
            'root_gb': flavor['root_gb'], 'ephemeral_gb': flavor['ephemeral_gb'],
            'swap': flavor['swap'], 'image_ref': image['id'],
            'kernel_id': props.get('kernel_id'), 'ramdisk_id': props.get('ramdisk_id'),
            'key_name': key_name, 'key_data': key_data, 'user_data': user_data,
            'reservation_id': reservation_id, 'config_drive': 'True' if config_drive else '',
            'auto_disk_config': auto_disk, 'access_ip_v4': access_ip_v4,
            'access_ip_v6': normalize_ipv6(access_ip_v6), 'metadata': metadata,
            'security_groups': security_groups or ['default'], 'network_info': [],
            'system_metadata': dict(
                {'image_%s' % k: v for k, v in props.items()},
                tags=list(tags or []), trusted_image_certificates=trusted_certs,
                scheduler_hints=scheduler_hints,
                pinned_availability_zone=availability_zone or None),
        }

    def _create_instance(self, context, flavor, image_href, min_count, max_count,
                         display_name, display_description, hostname, key_name,
                         security_groups, availability_zone, user_data, metadata,
                         admin_password, access_ip_v4, access_ip_v6, requested_networks,
                         config_drive, auto_disk_config, filter_properties,
                         reservation_id=None, tags=None, trusted_certs=None,
                         requested_host=None, requested_hypervisor_hostname=None):
        """Seed 3.4: validate, then the instance rows (building/scheduling)
        within quota in one transaction, then ``build_instances`` to the
        conductor."""
        reservation_id = reservation_id or generate_reservation_id()
        availability_zone = availability_zone or CONF.default_schedule_zone
        image = self._get_image(context, image_href)
        metadata = metadata or {}
        limits = quota.get_project_quotas(context.project_id)
        base_options = self._validate_and_build_base_options(
            context, flavor, image, display_description, key_name, security_groups,
            availability_zone, user_data, metadata, access_ip_v4, access_ip_v6,
            requested_networks, config_drive, auto_disk_config, reservation_id, limits,
            filter_properties['scheduler_hints'], tags, trusted_certs)
        # the requested networks and ports, before any row is written (Nova's
        # _check_requested_networks): what the compute will allocate
        requested_networks = self.network_api.validate_networks(context, requested_networks,
                                                                max_count)

        requested_destination = ({'host': requested_host,
                                  'node': requested_hypervisor_hostname}
                                 if requested_host or requested_hypervisor_hostname else None)
        specs = {}

        def build_rows(count):
            rows = []
            for idx in range(count):
                name = display_name if count == 1 else '%s-%d' % (display_name, idx + 1)
                rows.append(dict(base_options, uuid=str(uuidlib.uuid4()), display_name=name,
                                 hostname=hostname or _hostname(name), launch_index=idx))
            specs['request_spec'] = RequestSpec(
                instance_uuid=rows[0]['uuid'] if rows else None,
                project_id=context.project_id, user_id=context.user_id,
                flavor=filter_properties['instance_type'], image=image,
                availability_zone=availability_zone, num_instances=count,
                scheduler_hints=filter_properties['scheduler_hints'],
                force_hosts=filter_properties.get('force_hosts'),
                force_nodes=filter_properties.get('force_nodes'),
                requested_destination=requested_destination, retry=None, ignore_hosts=None)
            # what a conductor needs to drive the build again (no password)
            spec = dict(specs, context=context.to_dict(), image=image,
                        filter_properties=filter_properties,
                        requested_networks=requested_networks,
                        security_groups=security_groups)
            for row in rows:
                row['build_spec'] = spec
            return rows
        # quota check and insert in one transaction (novalite/quota.py)
        instances = quota.create_instances(context, limits, flavor, min_count, max_count,
                                           build_rows)
        try:
            self.compute_task_api.build_instances(
                context, instances, image, filter_properties, admin_password, None,
                requested_networks, security_groups, request_spec=specs['request_spec'])
        except (messaging.MessagingException, messaging.MessageUndeliverable):
            # accepted and stored: a conductor drives the build from its build
            # request (conductor/redrive.py) once the broker answers again
            LOG.warning('Could not cast build_instances for %s; a conductor will drive '
                        'it from the database', [i.uuid for i in instances])
        return instances, reservation_id

    @staticmethod
    def _check_requested_destination(host, node):
        """2.74: a requested host and/or hypervisor must be a known compute node."""
        if host is None and node is None:
            return
        nodes = db_hosts.compute_node_get_all(host=host)
        if host is not None and not nodes:
            raise exception.ComputeHostNotFound(host=host)
        if node is not None and node not in [n['hypervisor_hostname'] for n in nodes]:
            raise exception.ComputeHostNotFound(host=node)

    # -- update -----------------------------------------------------------------
    def update_instance(self, context, instance, updates):
        """PUT /servers/{id}: name, description, hostname, access IPs, disk config."""
        if updates.get('access_ip_v6'):
            updates = dict(updates, access_ip_v6=normalize_ipv6(updates['access_ip_v6']))
        return db.instance_update(instance.uuid, updates)

    # -- read -------------------------------------------------------------------
    def get(self, context, uuid, read_deleted=False):
        """The instance, if the caller's project owns it (any, for an admin)."""
        return db.instance_get_by_uuid(uuid, project_id=nl_context.project_scope(context),
                                       read_deleted=read_deleted)

    @staticmethod
    def get_instance_faults(context, instances):
        """{uuid: the newest fault} of ``instances``."""
        return db.instance_fault_get_latest([i.uuid for i in instances])

    @staticmethod
    def get_instance_host_status(instance, services=None):
        """UP, DOWN (forced), MAINTENANCE (disabled), UNKNOWN, or '' without a host."""
        if not instance.host:
            return ''
        if services is not None and instance.host in services:
            svc = services[instance.host]
        else:
            svc = db_hosts.service_get(instance.host, 'novalite-compute')
            if services is not None:
                services[instance.host] = svc
        if svc is None:
            return ''
        if svc.get('forced_down'):
            return 'DOWN'
        if svc.get('disabled'):
            return 'MAINTENANCE'
        return 'UP' if svc['up'] else 'UNKNOWN'

    def get_all(self, context, filters, limit=None, marker=None, sort_keys=None,
                sort_dirs=None):
        return db.instance_get_all_by_filters(filters, limit=limit, marker=marker,
                                              sort_keys=sort_keys, sort_dirs=sort_dirs)

    # -- delete -----------------------------------------------------------------
    def delete(self, context, instance):
        """Local delete when no compute owns it (or its compute is down);
        otherwise task_state deleting and terminate_instance to its host."""
        if instance.host:
            svc = db_hosts.service_get(instance.host, 'novalite-compute')
            if svc is not None and svc['up']:
                try:
                    instance = db.instance_update(instance.uuid,
                                                  {'task_state': task_states.DELETING},
                                                  expected_host=instance.host)
                except exception.NotAllowedByHost:
                    return self.delete(context, db.instance_get_by_uuid(instance.uuid))
                self.compute_rpcapi.terminate_instance(context, instance, instance.host)
                return
        # local delete (Nova's _local_delete): nobody else will give the ports back
        try:
            self.network_api.deallocate_for_instance(context, instance)
        except exception.NovaliteException:
            LOG.exception('Failed to deallocate the network(s) of %s', instance.uuid)
        db.instance_destroy(instance.uuid)

    def external_instance_event(self, context, instance_events):
        """Hand each (instance, event) to the compute its instance is on:
        one cast per host."""
        by_host = {}
        for instance, event in instance_events:
            by_host.setdefault(instance.host, []).append((instance, event))
        for host, pairs in by_host.items():
            self.compute_rpcapi.external_instance_event(
                context, [i for i, _ in pairs], [e for _, e in pairs], host)

    def get_console_output(self, context, instance, tail_length=None):
        if instance.vm_state != vm_states.ACTIVE or not instance.host:
            raise exception.InstanceInvalidState(method='get_console_output',
                                                 instance_uuid=instance.uuid,
                                                 attr='vm_state', state=instance.vm_state)
        return self.compute_rpcapi.get_console_output(context, instance, instance.host,
                                                      tail_length)


class HostAPI:
    """Services and compute nodes, as os-services, os-hypervisors and
    os-availability-zone see them (Nova's compute.api.HostAPI)."""

    @staticmethod
    def service_get_all(context, binary=None, host=None):
        return db_hosts.service_get_all(binary=binary, host=host)

    @staticmethod
    def service_get(context, host, binary):
        """The service, or None."""
        return db_hosts.service_get(host, binary)

    @staticmethod
    def service_get_by_uuid(context, service_uuid):
        return db_hosts.service_get_by_uuid(service_uuid)

    @staticmethod
    def service_update(context, host, binary, values):
        return db_hosts.service_update(host, binary, values)

    @staticmethod
    def compute_nodes_get_with_services(context, node_id=None, node_uuid=None,
                                        hostname_like=None):
        """[(compute node, its service)], optionally one node or a name match."""
        return db_hosts.compute_nodes_get_with_services(
            node_id=node_id, node_uuid=node_uuid, hostname_like=hostname_like)

    @staticmethod
    def instance_get_all_by_node(context, host, nodename):
        """The live instances of a compute node, oldest first."""
        return db.instance_get_all_by_filters({'host': host, 'node': nodename},
                                              sort_keys=['created_at'], sort_dirs=['asc'])


class InstanceActionAPI:
    """os-instance-actions (Nova's compute.api.InstanceActionAPI)."""

    @staticmethod
    def actions_get(context, instance, limit=None, marker=None, changes_since=None,
                    changes_before=None):
        return db_actions.actions_get(instance.uuid, limit=limit, marker=marker,
                                      changes_since=changes_since,
                                      changes_before=changes_before)

    @staticmethod
    def action_get_by_request_id(context, instance, request_id):
        return db_actions.action_get_by_request_id(instance.uuid, request_id)

    @staticmethod
    def action_events_get(context, instance, action_id):
        return db_actions.action_events_get(action_id)


def _boot_image(block_device_mapping):
    """The image of the boot disk (boot index 0) of an image-to-local block
    device mapping, for a create without imageRef."""
    for bdm in block_device_mapping or []:
        if str(bdm.get('boot_index', 0)) == '0' and bdm.get('uuid'):
            return bdm['uuid']
    raise exception.InvalidRequest('Missing imageRef attribute')


def _hostname(display_name):
    """RFC 952 style hostname from a display name, as Nova sanitizes it."""
    out = ''.join(c if c.isalnum() or c == '-' else '-' for c in display_name.lower())
    out = out.strip('-.')[:63]
    return out or 'server'
