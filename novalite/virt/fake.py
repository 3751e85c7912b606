"""The fake hypervisor driver: a documented, in-product stand-in for a host.

It does no I/O: ``spawn`` records the instance (after ``[fake_driver]
spawn_delay`` seconds, to imitate a hypervisor) and reports it RUNNING.  It
serves tests, benchmarks and scale testing of everything above the driver:
many novalite-compute processes, each with its own ``host``, exercise RPC,
the scheduler and the SQL claims for real.

Capacity per node and the node count are options (``[fake_driver]``), and so
is failure injection: a spawn failure rate and a display-name regex.  A
failed spawn raises, and the compute manager reschedules, as for any driver.
"""
import json
import random
import re
import threading
import time

from oslo_config import cfg

from novalite.compute import power_state
from novalite import exception
from novalite.virt import driver

CONF = cfg.CONF
CPU_INFO = json.dumps({'arch': 'x86_64', 'model': 'fake', 'vendor': 'fake',
                       'topology': {'sockets': 1, 'cores': 1, 'threads': 1}})


def _matches(regex, instance):
    return bool(regex) and re.search(regex, instance.display_name or '') is not None


class FakeSpawnError(Exception):
    """Injected spawn failure."""


class FakeDriver(driver.ComputeDriver):
    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()
        self._instances = {}    # uuid -> (node, power state)
        self._nodes = []

    def init_host(self, host):
        n = CONF.fake_driver.nodes
        self._nodes = [host] if n == 1 else ['%s-node%d' % (host, i) for i in range(1, n + 1)]

    def get_available_nodes(self):
        return list(self._nodes)

    def get_available_resource(self, nodename):
        return {
            'vcpus': CONF.fake_driver.vcpus, 'memory_mb': CONF.fake_driver.memory_mb,
            'local_gb': CONF.fake_driver.local_gb, 'hypervisor_type': 'fake',
            'hypervisor_version': 1000, 'hypervisor_hostname': nodename,
            'cpu_info': CPU_INFO, 'supported_instances': [['x86_64', 'fake', 'hvm']],
        }

    def _should_fail(self, instance):
        if _matches(CONF.fake_driver.spawn_failure_name_regex, instance):
            return True
        rate = CONF.fake_driver.spawn_failure_rate
        return rate > 0 and random.random() < rate

    def spawn(self, context, instance, image_meta, injected_files, admin_password,
              allocations, network_info=None, block_device_info=None):
        conf = CONF.fake_driver
        slow = _matches(conf.slow_spawn_name_regex, instance)
        delay = conf.slow_spawn_delay if slow else conf.spawn_delay
        if delay:
            time.sleep(delay)
        if _matches(conf.spawn_abort_name_regex, instance):
            raise exception.ImageUnacceptable(
                image_id=instance.image_ref,
                reason='fake driver: injected abort for %s' % instance.uuid)
        if self._should_fail(instance):
            raise FakeSpawnError('fake driver: injected spawn failure for %s' % instance.uuid)
        with self._lock:
            self._instances[instance.uuid] = (instance.node, power_state.RUNNING)
        self.emit_event(driver.LifecycleEvent(instance.uuid, driver.EVENT_LIFECYCLE_STARTED))

    def destroy(self, context, instance, network_info=None, block_device_info=None,
                destroy_disks=True):
        with self._lock:
            self._instances.pop(instance.uuid, None)

    def get_info(self, instance):
        with self._lock:
            if instance.uuid not in self._instances:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            return driver.InstanceInfo(state=self._instances[instance.uuid][1])

    def list_instance_uuids(self):
        with self._lock:
            return list(self._instances)

    def get_console_output(self, context, instance):
        with self._lock:
            if instance.uuid not in self._instances:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
        return ('FAKE CONSOLE OUTPUT of %s\n' % instance.uuid).encode()
