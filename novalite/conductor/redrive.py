"""No build is lost: any conductor drives again the builds that stalled.

The state of a build lives in the database (the instance's vm_state,
task_state, host and its build request), never only in a message or in one
conductor's memory.  Every ``[conductor] stuck_build_check_interval`` seconds
each conductor looks for building instances that neither changed nor were
driven for ``[conductor] build_resume_deadline`` seconds: a message was lost
(broker restart, a conductor or scheduler that died, an API cast that failed)
or its compute died.  One conductor claims a new attempt of each (a
conditional UPDATE: the others skip it) and:

- not yet on a host: casts ``build_instances`` again (any conductor takes it);
- on a host that is up: casts ``build_and_run_instance`` to it again, which
  the compute ignores when it is already building the instance (a compute
  marks the builds it holds, queued or running, alive every
  build_resume_deadline/4 s: conductor RPC 4.3 ``builds_alive``; so this is
  for a cast that was lost, or a compute older than that);
- on a host that is down: releases the claim and reschedules to the next
  alternate (or asks the scheduler when there is none).

Each step is safe twice: casts carry the attempt they were made for, the claim
is keyed by the instance, a compute builds one instance once at a time.  Only
an instance still building ``[conductor] build_timeout`` seconds after its
creation goes to ERROR, with a fault naming the step it was stuck in.
"""
import datetime
import logging
import time

from oslo_config import cfg

from novalite.compute import rpcapi as compute_rpcapi
from novalite.compute import task_states, vm_states
from novalite.conductor import rpcapi as conductor_rpcapi
from novalite import context as nl_context
from novalite.db import api as db
from novalite.db import builds as db_builds
from novalite.db import hosts as db_hosts
from novalite import exception

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def stuck_step(instance):
    """The build step an instance is in, as a user reads it."""
    if instance.task_state in (None, task_states.SCHEDULING) and not instance.host:
        return 'scheduling'
    if instance.task_state == task_states.SCHEDULING:
        return 'waiting for compute host %s to start the build' % instance.host
    return '%s on compute host %s' % (instance.task_state or 'starting the build',
                                      instance.host)


class BuildRedriver:
    def __init__(self):
        self.compute_rpcapi = compute_rpcapi.ComputeAPI()
        self.compute_task_api = conductor_rpcapi.ComputeTaskAPI()

    def redrive_builds(self, now=None):
        """One pass; returns {instance uuid: what was done}."""
        now = now or db.now()
        db_builds.purge_finished()
        cutoff = now - datetime.timedelta(seconds=CONF.conductor.build_resume_deadline)
        services = {s['host']: s for s in db_hosts.service_get_all('novalite-compute')}
        timeout = CONF.conductor.build_timeout
        too_old = now - datetime.timedelta(seconds=timeout) if timeout else None
        done = {}
        for inst, build in db_builds.stalled(cutoff, too_old):
            if too_old is not None and inst.created_at < too_old:
                self._time_out(inst)
                done[inst.uuid] = 'timed out'
            elif db_builds.claim_attempt(inst.uuid, build['attempt']):
                started = time.monotonic()
                done[inst.uuid] = self._drive(inst, build, services, now)
                LOG.info('Build of %s driven again (attempt %d, %s) in %.3f s', inst.uuid,
                         build['attempt'] + 1, done[inst.uuid], time.monotonic() - started)
        return done

    def _time_out(self, inst):
        from novalite.conductor import manager
        exc = exception.InstanceBuildTimeout(
            instance_uuid=inst.uuid,
            reason='still %s after %d s' % (stuck_step(inst), CONF.conductor.build_timeout))
        manager.fail_build(nl_context.get_admin_context(), inst.uuid, exc.format_message(),
                           host=inst.host, expected_host=inst.host, schedule_event=True)

    def _drive(self, inst, build, services, now):
        spec = build['spec']
        ctx = nl_context.RequestContext.from_dict(spec['context'])
        svc = services.get(inst.host) if inst.host else None
        if inst.host and svc is not None and db_hosts.service_is_up(svc, now):
            selection = spec['selection']
            self.compute_rpcapi.build_and_run_instance(
                ctx, inst, inst.host, image=spec['image'], request_spec=spec['request_spec'],
                filter_properties=spec['filter_properties'], admin_password=None,
                injected_files=None, requested_networks=spec['requested_networks'],
                security_groups=spec['security_groups'], block_device_mapping=None,
                node=selection.nodename, limits=selection.limits,
                host_list=spec.get('alternates') or [])
            return 'cast again to %s' % inst.host
        props = spec.get('filter_properties') or {}
        if inst.host:
            reason = exception.ComputeHostDown(host=inst.host, instance_uuid=inst.uuid)
            if not self._hand_back(inst):
                return 'changed meanwhile'
            props.setdefault('retry', {'num_attempts': 1, 'hosts': []})['exc_reason'] = \
                reason.format_message()
        alternates = [s for s in spec.get('alternates') or []
                      if s.service_host in services and
                      db_hosts.service_is_up(services[s.service_host], now)]
        if not props.get('retry'):
            alternates = []      # never scheduled: ask the scheduler
        self.compute_task_api.build_instances(
            ctx, [inst], spec['image'], props, None, None, spec['requested_networks'],
            spec['security_groups'], request_spec=spec['request_spec'],
            host_lists=[alternates] if alternates else None)
        return 'rescheduled to %s' % (alternates[0].service_host if alternates
                                      else 'the scheduler')

    @staticmethod
    def _hand_back(inst):
        """Take the build away from its dead host: claim released, no host."""
        try:
            db.instance_update(inst.uuid, {'host': None, 'node': None,
                                           'task_state': task_states.SCHEDULING},
                               expected_host=inst.host, expected_vm_state=vm_states.BUILDING)
        except (exception.InstanceNotFound, exception.NotAllowedByHost,
                exception.UnexpectedTaskStateError):
            return False
        db_hosts.abort_instance_claim(inst.uuid)
        return True
