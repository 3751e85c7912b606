"""The conductor (seed 3.8): schedules builds, hands them to computes, and is
the only door to the database for novalite-compute.

Three objects: ``ComputeTaskManager`` and ``ConductorManager`` are the RPC
endpoints (namespace ``compute_task``, and the database proxy); ``PeriodicTasks``
holds the duties the conductor runs on its own, which no RPC caller can reach.
``fail_build`` is the one way a build ends in ERROR.
"""
import copy
import logging
import time

import oslo_messaging as messaging
from oslo_config import cfg

from novalite import baserpc
from novalite.compute import rpcapi as compute_rpcapi
from novalite.compute import vm_states
from novalite.compute import utils as compute_utils
from novalite import context as nl_context
from novalite.conductor import instance_steps
from novalite.conductor import redrive
from novalite.db import api as db
from novalite.db import build_steps as db_steps
from novalite.db import builds as db_builds
from novalite.db import hosts as db_hosts
from novalite.db import session as db_session
from novalite import exception
from novalite.scheduler import rpcapi as scheduler_rpcapi
from novalite.security import keys
from novalite import service

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# What a compute host may change on its own instances.
COMPUTE_WRITABLE = frozenset(('vm_state', 'task_state', 'power_state', 'launched_at',
                              'network_info', 'progress', 'node', 'host',
                              'access_ip_v4', 'access_ip_v6'))
SCHEDULE_EVENT = 'conductor_schedule_and_build_instances'
# The scheduler did not answer, or its queue is not there yet (broker
# restart), or it failed unexpectedly (its database is away): the builds are
# driven again, not failed.  NoValidHost and the like are not among these.
UNREACHABLE = (messaging.MessagingException, messaging.MessageUndeliverable)
# Instances handed to their hosts per transaction (a max_count=1000 request in five).
HAND_CHUNK = 200


def fail_build(context, instance_uuid, message, details='', host=None, expected_host=None,
               clear_host=False, schedule_event=False):
    """End a build in ERROR: vm_state ERROR (only if still building, and on
    ``expected_host`` if given), an instance fault naming the cause, the claim
    released, and the conductor's schedule event finished when it is the one
    failing.  Returns the instance, or None when it is gone or no longer
    building (a delete or another failure won)."""
    updates = {'vm_state': vm_states.ERROR, 'task_state': None}
    if clear_host:
        updates.update(host=None, node=None)
    try:
        instance = db.instance_update(instance_uuid, updates, expected_host=expected_host,
                                      expected_vm_state=vm_states.BUILDING,
                                      fault=(500, message, details, host))
    except (exception.InstanceNotFound, exception.UnexpectedTaskStateError,
            exception.NotAllowedByHost):
        return None
    db_hosts.abort_instance_claim(instance_uuid)
    if schedule_event:
        db.action_event_finish(instance_uuid, context.request_id, SCHEDULE_EVENT, 'Error',
                               details or message, host)
    LOG.warning('Build of instance %s failed: %s', instance_uuid, message)
    return instance


# An instance fault's message column holds this many characters (as Nova's).
FAULT_MESSAGE_LENGTH = 255


def with_tried_hosts(prefix, retry):
    """``prefix`` then 'Hosts tried: host: error; host: error'.  Hosts that
    failed alike share one entry ('r2, r4: error', the host's own name in its
    error read as 'node'), and each entry is shortened evenly so that every
    host tried fits in a fault's message."""
    errors = retry.get('errors') or []
    if not errors:
        return prefix
    grouped = {}
    for host, reason in errors:
        grouped.setdefault(reason.replace(' %s ' % host, ' '), []).append(host)
    entries = ['%s: %s' % (', '.join(hosts), reason) for reason, hosts in grouped.items()]
    head = '%s Hosts tried: ' % prefix
    full = '; '.join(entries)
    if len(head) + len(full) > FAULT_MESSAGE_LENGTH:
        room = FAULT_MESSAGE_LENGTH - len(head) - 2 * (len(entries) - 1)
        share = max(room // len(entries), 0)
        full = '; '.join(text if len(text) <= share else text[:max(share - 3, 0)] + '...'
                         for text in entries)
    return head + full


class _KeepAlive:
    """Keeps a request's builds from looking stalled to the redrive
    (conductor/redrive.py) while this conductor still works through them: a
    max_count=1000 request takes longer than ``build_resume_deadline`` here,
    and its last instances were being scheduled again by the redrive."""

    clock = staticmethod(time.monotonic)

    def __init__(self, uuids):
        self.uuids = uuids
        self.every = max(1.0, CONF.conductor.build_resume_deadline / 4.0)
        self.last = self.clock()

    def beat(self, conn, done=0, force=False):
        """Touch the builds from index ``done`` on, when due, in the
        transaction of ``conn``."""
        rest = self.uuids[done:]
        if rest and (force or self.clock() - self.last >= self.every):
            db_builds.touch_in(conn, rest)
            self.last = self.clock()


class ComputeTaskManager:
    """Namespace ``compute_task``: the build path."""
    target = messaging.Target(namespace='compute_task', version='1.0')

    def __init__(self):
        self.scheduler_client = scheduler_rpcapi.SchedulerAPI()
        self.compute_rpcapi = compute_rpcapi.ComputeAPI()

    def _schedule_instances(self, context, request_spec, instance_uuids, retry=None):
        request_spec.retry = retry       # RetryFilter: never a host that failed it
        return self.scheduler_client.select_destinations(
            context, request_spec, instance_uuids, return_alternates=True)

    @staticmethod
    def populate_retry(filter_properties, instance_uuid):
        """Count an attempt; past ``max_attempts`` raise MaxRetriesExceeded."""
        retry = filter_properties.setdefault('retry', {'num_attempts': 0, 'hosts': []})
        retry['num_attempts'] += 1
        if retry['num_attempts'] > CONF.scheduler.max_attempts:
            raise exception.MaxRetriesExceeded(reason=with_tried_hosts(
                'Exceeded max scheduling attempts %d for instance %s.'
                % (CONF.scheduler.max_attempts, instance_uuid), retry))

    def build_instances(self, context, instances, image, filter_properties,
                        admin_password, injected_files, requested_networks,
                        security_groups, block_device_mapping=None,
                        request_spec=None, host_lists=None):
        uuids = [i.uuid for i in instances]
        alive = _KeepAlive(uuids)
        with db_session.core_writer() as conn:
            # the attempts this drive may cast for, the actions of both transactions
            builds, actions = db_steps.drive_lookup(conn, uuids)
            opened = db_steps.start_events(conn, CONF.host, SCHEDULE_EVENT, [
                (uuid, context.request_id) for uuid in uuids], actions)
            if len(uuids) > HAND_CHUNK:
                # the builds were created or driven just now: only a request
                # handed over in several chunks needs them touched before
                alive.beat(conn, force=True)
        try:
            self.populate_retry(filter_properties, uuids[0])
            if host_lists is None:
                host_lists = self._schedule_instances(context, request_spec, uuids,
                                                      filter_properties.get('retry'))
            else:
                host_lists = [self._remaining_alternates(inst, hl, filter_properties['retry'])
                              for inst, hl in zip(instances, host_lists)]
        except UNREACHABLE as exc:
            # not a build failure: the builds wait in the database and a
            # conductor drives them again (conductor/redrive.py)
            LOG.warning('Scheduler unreachable for %s (%s); the builds wait for it',
                        uuids, type(exc).__name__)
            return
        except exception.NoValidHostYet as exc:
            # the same wait: hosts whose heartbeats were held up (a broker
            # outage) look down for a moment ([scheduler] wait_for_down_hosts)
            LOG.warning('%s; the builds of %s wait for a host to come back',
                        exc.format_message(), uuids)
            return
        except Exception as exc:  # noqa: BLE001 - every failure ends in ERROR
            if not isinstance(exc, exception.NoValidHost):
                LOG.exception('Scheduling failed for %s', uuids)
            for host, reason in filter_properties.get('retry', {}).get('errors', []):
                LOG.warning('Build of %s failed on %s: %s', uuids[0], host, reason)
            message = compute_utils.fault_message(exc)
            cause = filter_properties.get('retry', {}).get('exc_reason')
            if cause and isinstance(exc, exception.NoValidHost) and not isinstance(
                    exc, exception.MaxRetriesExceeded):
                # a reschedule that found no host names why it was rescheduled
                message = '%s Rescheduled after: %s' % (message, cause)
            details = compute_utils.fault_details(exc)
            for uuid in uuids:
                # clear_host: a reschedule keeps the failed host until here
                fail_build(context, uuid, message, details, schedule_event=True,
                           clear_host=True)
            return
        by_host = {}
        placed = list(zip(instances, host_lists))
        # the API's instances are cast as it wrote them, with what the
        # hand-over saved; any other sender's are read back (a compute's
        # reschedule names its instance, but may act only as itself)
        sender = getattr(context, 'service_identity', None)
        reread = sender is None or sender.binary != keys.API
        for done in range(0, len(placed), HAND_CHUNK):
            # the builds after this chunk kept alive (recording its casts
            # touches the chunk's own)
            for inst, props, host_list in self._hand_to_hosts(
                    placed[done:done + HAND_CHUNK], builds, opened,
                    filter_properties, lambda conn, done=done: alive.beat(
                        conn, done + HAND_CHUNK, force=not done), reread):
                by_host.setdefault(host_list[0].service_host, []).append(
                    {'instance': inst, 'filter_properties': props,
                     'node': host_list[0].nodename, 'limits': host_list[0].limits,
                     'host_list': list(host_list[1:])})
        for host, host_builds in by_host.items():
            self._cast_builds(context, host, host_builds, image, request_spec, admin_password,
                              injected_files, requested_networks, security_groups,
                              block_device_mapping)

    @staticmethod
    def _remaining_alternates(instance, alternates, retry):
        """A reschedule goes to the alternates the scheduler chose with the
        first host (no new scheduling); when none is left, MaxRetriesExceeded
        names each host tried and its error."""
        if not alternates:
            raise exception.MaxRetriesExceeded(reason=with_tried_hosts(
                'Exhausted all hosts available for retrying build failures for '
                'instance %s.' % instance.uuid, retry))
        return alternates

    @staticmethod
    def _hand_to_hosts(placed, builds, opened, filter_properties, beat, reread=True):
        """[(instance, its filter properties, host list)] of ``placed``
        (instance, host list) that are now on their selected host, still
        scheduling, in one transaction (where ``beat`` keeps the builds
        not handed yet alive): each cast recorded in its build request
        (unless a newer drive owns the build), the instance given its host,
        the schedule event this drive ``opened`` finished.  Left out: the
        builds a newer drive owns and the instances deleted meanwhile.
        The instances are read back, or with ``reread`` False are those of
        ``placed`` with the hand-over's save applied."""
        casts, props_of = [], {}
        for inst, host_list in placed:
            props = copy.deepcopy(filter_properties)
            props['retry']['hosts'].append([host_list[0].service_host,
                                            host_list[0].nodename])
            props_of[inst.uuid] = props
            attempt, stored = builds.get(inst.uuid, (None, None))
            casts.append((inst.uuid, attempt, stored, {
                'selection': host_list[0], 'alternates': list(host_list[1:]),
                'filter_properties': props}))
        with db_session.core_writer() as conn:
            beat(conn)
            allowed = db_builds.record_casts(conn, casts)
            ts = db_session.now()
            saved = db_steps.hand_over(conn, [(inst.uuid, hl[0].service_host)
                                              for inst, hl in placed if inst.uuid in allowed],
                                       ts)
            handed = []
            for inst, host_list in placed:
                if inst.uuid not in allowed:
                    LOG.info('A newer drive owns the build of %s; not casting', inst.uuid)
                elif inst.uuid not in saved:
                    LOG.info('Instance %s was deleted while scheduling; not building it',
                             inst.uuid)
                else:
                    handed.append((inst, host_list))
            db_steps.finish_events(conn, {inst.uuid: opened[inst.uuid]
                                          for inst, _hl in handed if inst.uuid in opened})
            if reread:
                fresh = db_steps.instances(conn, [inst.uuid for inst, _hl in handed])
            else:
                fresh = {inst.uuid: db_steps.as_handed(inst, hl[0].service_host, ts)
                         for inst, hl in handed}
        return [(fresh[inst.uuid], props_of[inst.uuid], host_list)
                for inst, host_list in handed if inst.uuid in fresh]

    def _cast_builds(self, context, host, builds, image, request_spec, admin_password,
                     injected_files, requested_networks, security_groups,
                     block_device_mapping):
        """A host's instances in one message (compute 6.2, novalite's batch;
        the seed's suggestion for 3.8), or one build_and_run_instance cast
        each when there is one or the computes may be older than 6.2."""
        if len(builds) > 1 and self.compute_rpcapi.can_send_version('6.2'):
            self.compute_rpcapi.build_and_run_instances(
                context, host, builds, image=image, request_spec=request_spec,
                admin_password=admin_password, injected_files=injected_files,
                requested_networks=requested_networks, security_groups=security_groups,
                block_device_mapping=block_device_mapping)
            return
        for b in builds:
            self.compute_rpcapi.build_and_run_instance(
                context, b['instance'], host, image=image, request_spec=request_spec,
                filter_properties=b['filter_properties'], admin_password=admin_password,
                injected_files=injected_files, requested_networks=requested_networks,
                security_groups=security_groups, block_device_mapping=block_device_mapping,
                node=b['node'], limits=b['limits'], host_list=b['host_list'])


class ConductorManager:
    """The database proxy for novalite-compute.  ``host`` is the caller: it
    may only touch instances scheduled to it and its own node rows."""
    # 4.0: fail_build replaces instance_fault_create (one call fails a build)
    # 4.1: instance_steps (many instances' saves, events and claims in one call)
    # 4.2: compute_nodes_report (all of a host's nodes in one call)
    # 4.3: builds_alive (the builds a compute holds do not look stalled)
    # 4.4: instance_steps(changes=True) answers with what the conductor set
    target = messaging.Target(version='4.4')

    def service_heartbeat(self, context, host, binary, topic):
        if binary != 'novalite-compute':
            raise exception.Forbidden()
        return db_hosts.service_heartbeat(host, binary, topic)

    def compute_node_report(self, context, host, resources, reserved, ratios):
        return db_hosts.compute_node_report(host, resources, reserved, ratios)

    def instance_claim(self, context, host, instance_uuid, nodename):
        return db_hosts.instance_claim(instance_uuid, host, nodename)

    def abort_instance_claim(self, context, host, instance_uuid):
        return db_hosts.abort_instance_claim(instance_uuid, host)

    @messaging.expected_exceptions(exception.NotAllowedByHost)
    def instance_steps(self, context, host, items, changes=False):
        """Build steps of many of ``host``'s instances in one call: saves,
        action events and the batch claim (conductor/instance_steps.py).
        An item naming another host's instance refuses the whole call.
        ``changes`` (4.4): answer with what the conductor set, not the
        instances read back."""
        try:
            return instance_steps.run(host, items,
                                      lambda updates: self.check_updates(host, updates),
                                      changes=changes)
        except exception.NotAllowedByHost as exc:
            LOG.warning('Refused RPC conductor.instance_steps: %s', exc.format_message())
            raise

    @staticmethod
    def check_updates(host, updates):
        """A compute may change only COMPUTE_WRITABLE, and set no other host."""
        bad = set(updates) - COMPUTE_WRITABLE
        if bad or updates.get('host') not in (None, host):
            raise exception.Forbidden('compute may not change %s' % sorted(bad or ['host']))

    def instance_update(self, context, host, instance_uuid, updates,
                        expected_task_state=None, check_task_state=False,
                        expected_vm_state=None):
        self.check_updates(host, updates)
        try:
            return db.instance_update(instance_uuid, updates, expected_task_state,
                                      expected_host=host, check_task_state=check_task_state,
                                      expected_vm_state=expected_vm_state)
        except exception.UnexpectedTaskStateError:
            # a call retried across a reconnect whose first try was applied
            inst = db.instance_get_by_uuid(instance_uuid)
            states = {k: updates[k] for k in ('vm_state', 'task_state') if k in updates}
            if states and all(getattr(inst, k) == v for k, v in states.items()):
                return inst
            raise

    def fail_build(self, context, host, instance_uuid, message, details):
        """A compute gives up on a build it owns (it has already cleaned up
        the guest and the networks): ERROR, fault, claim released, host
        unset.  Returns the instance, or None when it was gone."""
        return fail_build(context, instance_uuid, message, details, host=host,
                          expected_host=host, clear_host=True)

    def action_event(self, context, host, instance_uuid, event, phase, result=None,
                     traceback=None):
        if phase == 'start':
            db.action_event_start(instance_uuid, context.request_id, event, host)
        else:
            db.action_event_finish(instance_uuid, context.request_id, event, result,
                                   traceback, host)

    def instance_destroy(self, context, host, instance_uuid):
        db.instance_destroy(instance_uuid, expected_host=host)

    def ping(self, context):
        """The conductor's own heartbeat checks the broker path with this."""
        return True

    def instances_on_host(self, context, host):
        return db.instance_get_all_by_filters({'host': host})

    # -- 4.2 -------------------------------------------------------------------
    def compute_nodes_report(self, context, host, nodes, reserved, ratios):
        return db_hosts.compute_nodes_report(host, nodes, reserved, ratios)

    # -- 4.3 -------------------------------------------------------------------
    def builds_alive(self, context, host, instance_uuids):
        """The compute still holds these builds (queued or running): the
        redrive must not take them for lost.  Only ``host``'s count."""
        return db_builds.touch_on_host(instance_uuids, host)


class PeriodicTasks:
    """What the conductor does on its own (not an RPC endpoint): its
    heartbeat, and no build is lost or stays in BUILD forever."""

    def __init__(self):
        self.redriver = redrive.BuildRedriver()
        self.ping_client = baserpc.ping_client('conductor', CONF.host, keys.CONDUCTOR)

    def report_state(self):
        """Heartbeat only while this conductor is reachable over the broker
        (a ping through its own queue): a broker outage is a conductor outage
        for the computes, whose heartbeats it carries."""
        try:
            self.ping_client.prepare(timeout=CONF.report_interval).call(
                nl_context.get_admin_context(), 'ping', arg=None)
        except (messaging.MessagingTimeout, messaging.MessageDeliveryFailure,
                messaging.MessageUndeliverable) as exc:
            LOG.warning('Broker path to this conductor is down (%s): no heartbeat',
                        type(exc).__name__)
            return
        except Exception:  # noqa: BLE001 - any answer proves the broker path
            pass
        db_hosts.conductor_heartbeat(CONF.host)

    def periodic_tasks(self):
        return [service.PeriodicTask('redrive_builds',
                                     CONF.conductor.stuck_build_check_interval,
                                     self.redriver.redrive_builds)]
