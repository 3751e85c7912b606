"""Instance: the server as compute, conductor and views see it."""
from oslo_config import cfg

from novalite.objects import base

CONF = cfg.CONF

INSTANCE_FIELDS = (
    'id', 'uuid', 'project_id', 'user_id', 'display_name', 'display_description',
    'hostname', 'vm_state', 'task_state', 'power_state', 'host', 'node',
    'compute_id', 'launched_on', 'availability_zone', 'instance_type_id',
    'flavor', 'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb', 'swap',
    'image_ref', 'kernel_id', 'ramdisk_id', 'key_name', 'key_data',
    'user_data', 'reservation_id', 'launch_index', 'config_drive',
    'auto_disk_config', 'access_ip_v4', 'access_ip_v6', 'progress',
    'network_info', 'security_groups', 'metadata', 'system_metadata',
    'locked', 'locked_by', 'created_at', 'updated_at', 'launched_at',
    'terminated_at', 'deleted_at', 'deleted',
)


class Instance(base.NovaliteObject):
    """A server. ``flavor`` is the flavor dict copied in at create time;
    ``metadata`` and ``network_info`` are a dict and a list of VIF dicts."""
    fields = INSTANCE_FIELDS

    @property
    def name(self):
        """The hypervisor name, ``instance-%08x`` of the integer id."""
        try:
            return CONF.instance_name_template % self.id
        except (TypeError, ValueError):
            return CONF.instance_name_template.replace('%08x', '%s') % self.uuid
