"""The interface between novalite-compute and a hypervisor.

A driver is loaded by name from the ``novalite.compute.drivers`` entry point
namespace (``[DEFAULT] compute_driver``).  The compute manager calls only the
methods below.  ``instance`` is a :class:`novalite.objects.instance.Instance`;
``image_meta`` the image dict (id, name, disk_format, container_format, size,
checksum, min_ram, min_disk, status, properties={...}); ``network_info`` a
list of VIF dicts from :mod:`novalite.network.api`.
"""
import collections

from stevedore import driver as stevedore_driver

InstanceInfo = collections.namedtuple('InstanceInfo', ['state'])

# Lifecycle transitions (seed step 3.16), as Nova's virt.event names them.
EVENT_LIFECYCLE_STARTED = 0
EVENT_LIFECYCLE_STOPPED = 1
EVENT_LIFECYCLE_PAUSED = 2
EVENT_LIFECYCLE_RESUMED = 3

LifecycleEvent = collections.namedtuple('LifecycleEvent', ['uuid', 'transition'])


class ComputeDriver:
    """Base class: every method a driver must or may implement."""

    def __init__(self):
        self._event_callback = None
        # the compute manager's InstanceEvents: wait_for(uuid, events, deadline)
        # around a paused start until Neutron reports the ports plugged
        self.virtapi = None

    # -- host ---------------------------------------------------------------
    def init_host(self, host):
        """Prepare the hypervisor connection for ``host`` (called once at start)."""

    def cleanup_host(self, host):
        """Release what init_host took (called at stop)."""

    def get_available_nodes(self):
        """Names of the nodes this host reports (compute_nodes.hypervisor_hostname)."""
        raise NotImplementedError()

    def get_available_resource(self, nodename):
        """Capacity of one node: a dict with vcpus, memory_mb, local_gb,
        hypervisor_type, hypervisor_version, hypervisor_hostname, cpu_info
        (JSON text) and supported_instances (list of [arch, hv_type, vm_mode])."""
        raise NotImplementedError()

    # -- instances ------------------------------------------------------------
    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None):
        """Create and start the guest; return when it is running.
        Raise an exception to fail the build (the manager reschedules)."""
        raise NotImplementedError()

    def destroy(self, context, instance, network_info=None,
                block_device_info=None, destroy_disks=True):
        """Stop and remove the guest and its files. Must succeed for a guest
        that is already gone."""
        raise NotImplementedError()

    def plug_vifs(self, instance, network_info):
        """Make the host side of the instance's VIFs ready (idempotent)."""

    def unplug_vifs(self, instance, network_info):
        """Undo plug_vifs for these VIFs (VIFs not plugged are fine)."""

    def reconcile_vifs(self, network_info_list):
        """After a restart: keep the host networking of exactly these
        ``(instance uuid, network_info)`` pairs, remove everything else."""

    def get_info(self, instance):
        """InstanceInfo(state=<power_state>) of the guest."""
        raise NotImplementedError()

    def list_instance_uuids(self):
        """UUIDs of the guests that exist on this host."""
        raise NotImplementedError()

    def get_console_output(self, context, instance):
        """What the guest wrote to its serial console, as bytes."""
        raise NotImplementedError()

    def manage_image_cache(self, context, all_instances):
        """Periodic: drop cached images no instance on this host uses."""

    # -- events (seed 3.16) -----------------------------------------------
    def register_event_listener(self, callback):
        """``callback(LifecycleEvent)`` is called when a guest changes state."""
        self._event_callback = callback

    def emit_event(self, event):
        if self._event_callback is not None:
            self._event_callback(event)


def load_compute_driver(name):
    """The driver class registered as ``name``, instantiated."""
    return stevedore_driver.DriverManager(
        'novalite.compute.drivers', name, invoke_on_load=True).driver
