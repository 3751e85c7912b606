"""Client side of the conductor RPC APIs (seed 3.5–3.7).

``ComputeTaskAPI``: topic ``conductor``, namespace ``compute_task`` — the build
path.  ``ConductorAPI``: topic ``conductor`` — the database proxy for
novalite-compute, which holds no database credentials.
"""
import logging
import time

import oslo_messaging as messaging
from oslo_config import cfg

from novalite import rpc

CONF = cfg.CONF
LOG = logging.getLogger(__name__)
TOPIC = 'conductor'
# nodes per compute_nodes_report call (the conductor refuses more)
NODES_PER_REPORT = 1000
# What the conductor raises when its database is away (seen as RemoteError).
DB_OUTAGE_ERRORS = ('OperationalError', 'InterfaceError', 'DBConnectionError',
                    'DisconnectionError', 'PendingRollbackError')


def _retriable(exc):
    """No answer, or an answer saying the database is away."""
    if isinstance(exc, messaging.RemoteError):
        return exc.exc_type in DB_OUTAGE_ERRORS
    return isinstance(exc, (messaging.MessagingException, messaging.MessageUndeliverable))


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
    the conductor only lets it touch instances scheduled to it.

    4.0: the database proxy; 4.1 adds ``instance_steps`` (many instances'
    saves, action events and claims in one call); 4.2 adds
    ``compute_nodes_report`` (all of a host's nodes in one call); 4.3 adds
    ``builds_alive`` (the builds a compute holds do not look stalled); 4.4
    adds ``changes`` to ``instance_steps`` (answers carry what the conductor
    set, not the whole instance read back)."""
    VERSION = '4.4'

    def __init__(self):
        self.client = rpc.get_client(messaging.Target(topic=TOPIC, version=self.VERSION),
                                     version_cap=CONF.upgrade_levels.conductor,
                                     sender='novalite-compute')

    def can_send_version(self, version):
        return self.client.can_send_version(version)

    def _call(self, ctxt, method, timeout=None, retry=True, version='4.0', **kwargs):
        """One call, retried while the conductor cannot answer (broker or
        conductor restart, database outage) for ``[conductor]
        call_retry_timeout`` seconds: each conductor method is safe to
        repeat, and a build must not fail because a reply was lost."""
        cctxt = self.client.prepare(version=version,
                                    timeout=timeout or CONF.conductor.call_timeout)
        deadline = time.monotonic() + (CONF.conductor.call_retry_timeout if retry else 0)
        delay = 0.5
        while True:
            try:
                return cctxt.call(ctxt, method, **kwargs)
            except Exception as exc:  # noqa: BLE001 - filtered by _retriable
                if not _retriable(exc) or time.monotonic() + delay > deadline:
                    raise
                LOG.warning('Conductor %s did not answer (%s); retrying', method,
                            type(exc).__name__)
                time.sleep(delay)
                delay = min(delay * 2, 5)

    def service_heartbeat(self, ctxt, host, binary, topic, timeout=None):
        # not retried: the next heartbeat is as good as a retried one
        return self._call(ctxt, 'service_heartbeat', timeout=timeout, retry=False,
                          host=host, binary=binary, topic=topic)

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

    def instance_steps(self, ctxt, host, items):
        """4.1; callers check ``can_send_version('4.1')`` and otherwise run
        the steps one call each (compute/conductor_steps.py).  From 4.4 the
        answers carry ``changes`` (conductor/instance_steps.py)."""
        if self.client.can_send_version('4.4'):
            return self._call(ctxt, 'instance_steps', version='4.4', host=host, items=items,
                              changes=True)
        return self._call(ctxt, 'instance_steps', version='4.1', host=host, items=items)

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

    # -- 4.2 -------------------------------------------------------------------
    def compute_nodes_report(self, ctxt, host, nodes, reserved, ratios):
        """All of the host's nodes (the driver's resources of each) in one
        call per ``NODES_PER_REPORT`` (4.2); returns a summary per node.  A
        conductor capped below 4.2 gets one ``compute_node_report`` per node."""
        if not self.client.can_send_version('4.2'):
            return [self.compute_node_report(ctxt, host, n, reserved, ratios) for n in nodes]
        out = []
        for i in range(0, len(nodes), NODES_PER_REPORT):
            out += self._call(ctxt, 'compute_nodes_report', version='4.2', host=host,
                              nodes=nodes[i:i + NODES_PER_REPORT], reserved=reserved,
                              ratios=ratios)
        return out

    # -- 4.3 -------------------------------------------------------------------
    def builds_alive(self, ctxt, host, instance_uuids):
        """Tell the conductor that ``host`` still holds these builds; nothing
        is sent to a conductor capped below 4.3 (it casts such builds again
        after build_resume_deadline, and the compute ignores the repeat)."""
        if not self.client.can_send_version('4.3'):
            return None
        return self._call(ctxt, 'builds_alive', version='4.3', retry=False, host=host,
                          instance_uuids=list(instance_uuids))
