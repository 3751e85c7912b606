"""The resource tracker (seed 3.12) on a compute host that has no database.

``instance_claim`` asks the conductor to run the claim, one conditional SQL
UPDATE of the compute node row (a build sends it with its first steps and
gets its Claim from ``claimed``); ``update_available_resource`` reports the
driver's capacity of all the host's nodes in one call and has the conductor
recount their usage from the claims.
"""
import logging

from oslo_config import cfg

from novalite.compute import claims

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def allocation_ratios():
    return {'cpu': CONF.cpu_allocation_ratio or CONF.initial_cpu_allocation_ratio,
            'ram': CONF.ram_allocation_ratio or CONF.initial_ram_allocation_ratio,
            'disk': CONF.disk_allocation_ratio or CONF.initial_disk_allocation_ratio}


def reserved():
    return {'memory_mb': CONF.reserved_host_memory_mb, 'vcpus': CONF.reserved_host_cpus,
            'disk_gb': (CONF.reserved_host_disk_mb + 1023) // 1024}


class ResourceTracker:
    def __init__(self, host, driver, conductor_api):
        self.host, self.driver, self.conductor_api = host, driver, conductor_api

    def instance_claim(self, context, instance, nodename, limits=None):
        """Claim the instance's flavor on ``nodename``; raises
        ComputeResourcesUnavailable when it does not fit any more."""
        self.conductor_api.instance_claim(context, self.host, instance.uuid, nodename)
        instance.node = nodename
        return claims.Claim(context, instance, nodename, self)

    def claimed(self, context, instance, nodename):
        """The Claim of an instance whose claim the conductor already took
        (with its other build steps, compute/conductor_steps.py)."""
        instance.node = nodename
        return claims.Claim(context, instance, nodename, self)

    def abort_instance_claim(self, context, instance):
        try:
            self.conductor_api.abort_instance_claim(context, self.host, instance.uuid)
        except Exception:  # noqa: BLE001 - the periodic recount repairs usage
            LOG.exception('Could not release the claim of %s', instance.uuid)

    def update_available_resource(self, context):
        """Report every node of this host in one conductor call (at start and
        periodically): capacity from the driver, usage recounted from the
        claims.  Returns the conductor's summary of each node."""
        resources = [self.driver.get_available_resource(n)
                     for n in self.driver.get_available_nodes()]
        nodes = self.conductor_api.compute_nodes_report(
            context, self.host, resources, reserved(), allocation_ratios())
        for n in nodes if LOG.isEnabledFor(logging.DEBUG) else ():
            LOG.debug('Final resource view: name=%s vcpus=%s/%s ram=%s/%sMB disk=%s/%sGB',
                      n['hypervisor_hostname'], n['vcpus_used'], n['vcpus'],
                      n['memory_mb_used'], n['memory_mb'], n['local_gb_used'], n['local_gb'])
        return nodes
