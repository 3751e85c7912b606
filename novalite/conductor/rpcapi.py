"""Client side of the conductor RPC APIs (seed 3.5–3.7).

``ComputeTaskAPI``: topic ``conductor``, namespace ``compute_task`` — the build
path.  ``ConductorAPI``: topic ``conductor`` — the database proxy for
novalite-compute, which holds no database credentials.
"""
import oslo_messaging as messaging
from oslo_config import cfg

from novalite import rpc

CONF = cfg.CONF
TOPIC = 'conductor'


class ComputeTaskAPI:
    VERSION = '1.0'

    def __init__(self):
        self.client = rpc.get_client(messaging.Target(topic=TOPIC, namespace='compute_task',
                                                      version=self.VERSION),
                                     version_cap=CONF.upgrade_levels.compute_task,
                                     sender=('novalite-api', 'novalite-compute'))

    def build_instances(self, ctxt, instances, image, filter_properties,
                        admin_password, injected_files, requested_networks,
                        security_groups, block_device_mapping=None,
                        request_spec=None, host_lists=None):
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(ctxt, 'build_instances', instances=instances, image=image,
                   filter_properties=filter_properties, admin_password=admin_password,
                   injected_files=injected_files, requested_networks=requested_networks,
                   security_groups=security_groups, block_device_mapping=block_device_mapping,
                   request_spec=request_spec, host_lists=host_lists)


class ConductorAPI:
    """Each method is one ``call``; ``host`` is the calling compute host and
    the conductor only lets it touch instances scheduled to it."""
    VERSION = '4.0'

    def __init__(self):
        self.client = rpc.get_client(messaging.Target(topic=TOPIC, version=self.VERSION),
                                     version_cap=CONF.upgrade_levels.conductor,
                                     sender='novalite-compute')

    def _call(self, ctxt, method, timeout=None, **kwargs):
        return self.client.prepare(version='4.0', timeout=timeout).call(ctxt, method, **kwargs)

    def service_heartbeat(self, ctxt, host, binary, topic, timeout=None):
        return self._call(ctxt, 'service_heartbeat', timeout=timeout, host=host,
                          binary=binary, topic=topic)

    def compute_node_report(self, ctxt, host, resources, reserved, ratios):
        return self._call(ctxt, 'compute_node_report', host=host, resources=resources,
                          reserved=reserved, ratios=ratios)

    def instance_claim(self, ctxt, host, instance_uuid, nodename):
        return self._call(ctxt, 'instance_claim', host=host, instance_uuid=instance_uuid,
                          nodename=nodename)

    def abort_instance_claim(self, ctxt, host, instance_uuid):
        return self._call(ctxt, 'abort_instance_claim', host=host, instance_uuid=instance_uuid)

    def instance_update(self, ctxt, host, instance_uuid, updates, expected_task_state=None,
                        check_task_state=False, expected_vm_state=None):
        return self._call(ctxt, 'instance_update', host=host, instance_uuid=instance_uuid,
                          updates=updates, expected_task_state=expected_task_state,
                          check_task_state=check_task_state,
                          expected_vm_state=expected_vm_state)

    def fail_build(self, ctxt, host, instance_uuid, message, details):
        return self._call(ctxt, 'fail_build', host=host, instance_uuid=instance_uuid,
                          message=message, details=details)

    def action_event(self, ctxt, host, instance_uuid, event, phase, result=None,
                     traceback=None):
        return self._call(ctxt, 'action_event', host=host, instance_uuid=instance_uuid,
                          event=event, phase=phase, result=result, traceback=traceback)

    def instance_destroy(self, ctxt, host, instance_uuid):
        return self._call(ctxt, 'instance_destroy', host=host, instance_uuid=instance_uuid)

    def instances_on_host(self, ctxt, host):
        return self._call(ctxt, 'instances_on_host', host=host)
