"""novalite-compute's manager: the service's life (start, restart hand-back,
graceful stop, periodic tasks), deletes, external events, the console and
power state (seed 3.16).  The build path (seed 3.10–3.12) is in
compute/build.py, mixed in.  Every database read or write goes to the
conductor over RPC.
"""
import concurrent.futures
import contextlib
import logging
import threading
import time

import oslo_messaging as messaging
from oslo_config import cfg

from novalite.compute import build
from novalite.compute import conductor_steps
from novalite.compute import instance_events
from novalite.compute import power_state, resource_tracker, task_states, vm_states
from novalite.conductor import rpcapi as conductor_rpcapi
from novalite import context as nl_context
from novalite import exception
from novalite.network import neutron
from novalite import service
from novalite.virt import driver as virt_driver

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# Nova's default spacing of periodic tasks (an interval of 0 means "default").
DEFAULT_PERIODIC_INTERVAL = 60

EVENT_POWER = {virt_driver.EVENT_LIFECYCLE_STARTED: power_state.RUNNING,
               virt_driver.EVENT_LIFECYCLE_RESUMED: power_state.RUNNING,
               virt_driver.EVENT_LIFECYCLE_PAUSED: power_state.PAUSED,
               virt_driver.EVENT_LIFECYCLE_STOPPED: power_state.SHUTDOWN}


class _InstanceLocks:
    """One lock per instance uuid, dropped when nobody holds it."""

    def __init__(self):
        self._guard = threading.Lock()
        self._locks = {}

    @contextlib.contextmanager
    def lock(self, uuid):
        with self._guard:
            entry = self._locks.setdefault(uuid, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if not entry[1]:
                    self._locks.pop(uuid, None)


class ComputeManager(build.BuildMixin):
    # 6.2: build_and_run_instances (novalite's batch: a host's instances in one message)
    target = messaging.Target(version='6.2')

    def __init__(self, host=None):
        self.host = host or CONF.host
        self.driver = virt_driver.load_compute_driver(CONF.compute_driver)
        self.conductor_api = conductor_rpcapi.ConductorAPI()
        self.compute_task_api = conductor_rpcapi.ComputeTaskAPI()
        self.rt = resource_tracker.ResourceTracker(self.host, self.driver, self.conductor_api)
        self.steps = conductor_steps.ConductorSteps(
            self.conductor_api, self.host,
            backlog=lambda: len(self._building) > CONF.max_concurrent_builds)
        self._build_pool = concurrent.futures.ThreadPoolExecutor(
            CONF.max_concurrent_builds, thread_name_prefix='build')
        self._locks = _InstanceLocks()
        self._building = set()      # uuids this process is building now
        self._building_lock = threading.Lock()
        self.network_api = neutron.API()
        self._builds = {}            # future -> (context, instance, build args)
        self._builds_lock = threading.Lock()
        self.instance_events = instance_events.InstanceEvents()
        self.driver.virtapi = self.instance_events

    # -- service life ---------------------------------------------------------
    def report_state(self):
        self.conductor_api.service_heartbeat(nl_context.get_admin_context(), self.host,
                                             'novalite-compute', 'compute',
                                             timeout=CONF.report_interval)

    def wait_for_conductor(self, attempt_timeout=5):
        """Like Nova's compute: wait until a conductor answers before starting
        (a call to a topic nobody consumes yet is lost, not queued)."""
        while True:
            try:
                return self.conductor_api.service_heartbeat(
                    nl_context.get_admin_context(), self.host, 'novalite-compute',
                    'compute', timeout=attempt_timeout)
            except messaging.MessagingTimeout:
                LOG.warning('Conductor did not answer within %d s; waiting for it',
                            attempt_timeout)

    def init_host(self):
        self.wait_for_conductor()
        self.driver.init_host(self.host)
        self.driver.register_event_listener(self.handle_lifecycle_event)

    def post_start_hook(self):
        """Report the nodes only once this host consumes its queue."""
        ctx = nl_context.get_admin_context()
        self.rt.update_available_resource(ctx)
        self._init_instances(ctx)

    def _init_instances(self, ctx):
        """After a restart: half-built instances are handed back to the
        conductor (guest removed, claim released, no host), which reschedules
        them; half-deleted ones are deleted; the host networking keeps exactly
        the VIFs of the instances that still live here.  A build whose cast is
        still queued for this host (task_state scheduling) is left to that
        cast, or to the conductor that casts it again if it was lost."""
        live = []
        for inst in self.conductor_api.instances_on_host(ctx, self.host):
            if inst.task_state == task_states.DELETING:
                self._terminate(ctx, inst)
            elif (inst.vm_state == vm_states.BUILDING and
                  inst.task_state != task_states.SCHEDULING):
                with self._building_lock:
                    if inst.uuid in self._building:
                        live.append((inst.uuid, inst.network_info or []))
                        continue
                    self._building.add(inst.uuid)
                try:
                    self._hand_back_after_restart(ctx, inst)
                finally:
                    with self._building_lock:
                        self._building.discard(inst.uuid)
            elif inst.vm_state != vm_states.ERROR:
                live.append((inst.uuid, inst.network_info or []))
        try:
            self.driver.reconcile_vifs(live)
        except Exception:  # noqa: BLE001 - guests keep running; say it loudly
            LOG.exception('Reconciling host networking on %s failed', self.host)

    def graceful_stop(self, deadline):
        """SIGTERM (after the RPC server stopped consuming): builds not
        started yet go back to the conductor to be scheduled elsewhere;
        running builds get until ``deadline`` (monotonic, None: forever);
        those still running then are failed with a fault."""
        with self._builds_lock:
            builds = dict(self._builds)
        for future, (context, instance, args) in builds.items():
            if future.cancel():
                self._hand_back(context, instance, args)
        running = [f for f in builds if not f.cancelled()]
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        _done, not_done = concurrent.futures.wait(running, timeout=timeout)
        for future in not_done:
            context, instance, _args = builds[future]
            self._set_instance_error(context, instance, exception.BuildAbortException(
                instance_uuid=instance.uuid,
                reason='compute service %s stopped before the build finished '
                       '(graceful_shutdown_timeout %d s)'
                       % (self.host, CONF.graceful_shutdown_timeout)))
        LOG.info('Build drain: %d handed back, %d finished, %d failed',
                 sum(f.cancelled() for f in builds), len(running) - len(not_done),
                 len(not_done))

    def _hand_back(self, context, instance, args):
        (image, request_spec, filter_properties, admin_password, injected_files,
         requested_networks, security_groups, block_device_mapping, _node, _limits,
         _host_list) = args
        LOG.info('Handing build of %s back to the conductor: this compute is stopping',
                 instance.uuid)
        try:
            instance = self._save(context, instance, {'host': None, 'node': None},
                                  [task_states.SCHEDULING, None])
        except (exception.InstanceNotFound, exception.NotAllowedByHost,
                exception.UnexpectedTaskStateError):
            return
        # schedule again, elsewhere: the RetryFilter skips the hosts in retry
        request_spec.retry = dict(filter_properties.get('retry') or {})
        self.compute_task_api.build_instances(
            context, [instance], image, filter_properties, admin_password, injected_files,
            requested_networks, security_groups, block_device_mapping,
            request_spec=request_spec)

    def _hand_back_after_restart(self, ctx, inst):
        self._shutdown_instance(ctx, inst)
        try:
            self.rt.abort_instance_claim(ctx, inst)
            # never over a delete: a server being deleted stays on this host,
            # whose terminate_instance then removes it
            self.conductor_api.instance_update(
                ctx, self.host, inst.uuid, {'host': None, 'node': None,
                                            'task_state': task_states.SCHEDULING},
                expected_task_state=[None, task_states.SCHEDULING, task_states.NETWORKING,
                                     task_states.BLOCK_DEVICE_MAPPING,
                                     task_states.SPAWNING],
                check_task_state=True, expected_vm_state=vm_states.BUILDING)
        except (exception.InstanceNotFound, exception.NotAllowedByHost,
                exception.UnexpectedTaskStateError):
            return
        LOG.info('Build of %s handed back to the conductor: this host restarted '
                 'during it', inst.uuid)

    def cleanup_host(self):
        self._build_pool.shutdown(wait=False, cancel_futures=True)
        self.driver.cleanup_host(self.host)

    def periodic_tasks(self):
        tasks = [service.PeriodicTask('update_available_resource',
                                      CONF.update_resources_interval,
                                      self.update_available_resource)]
        if CONF.sync_power_state_interval > 0:
            tasks.append(service.PeriodicTask('sync_power_states',
                                              CONF.sync_power_state_interval,
                                              self._sync_power_states))
        # the builds this host holds, queued or running, marked alive
        # several times per build_resume_deadline (conductor 4.3)
        tasks.append(service.PeriodicTask(
            '_keep_builds_alive', max(1.0, CONF.conductor.build_resume_deadline / 4.0),
            self._keep_builds_alive))
        interval = CONF.image_cache.manager_interval
        if interval >= 0:
            tasks.append(service.PeriodicTask('_run_image_cache_manager_pass',
                                              interval or DEFAULT_PERIODIC_INTERVAL,
                                              self._run_image_cache_manager_pass))
        return tasks

    def _keep_builds_alive(self):
        """Builds queued here behind max_concurrent_builds (or in a long
        spawn) change nothing in the database for a while: without this the
        conductor's redrive took them for lost and cast them again."""
        with self._builds_lock:
            uuids = [instance.uuid for _ctx, instance, _args in self._builds.values()]
        ctx = nl_context.get_admin_context()
        for i in range(0, len(uuids), 1000):
            self.conductor_api.builds_alive(ctx, self.host, uuids[i:i + 1000])

    def _run_image_cache_manager_pass(self):
        """Nova's image cache periodic: the driver removes the cached base
        images that none of this host's instances use (any state, as an
        ERROR or stopped instance may still be rebuilt from them)."""
        ctx = nl_context.get_admin_context()
        instances = self.conductor_api.instances_on_host(ctx, self.host)
        removed = self.driver.manage_image_cache(ctx, instances)
        LOG.debug('Image cache manager pass: %d instances on %s, removed %s',
                  len(instances), self.host, removed or 'nothing')

    def update_available_resource(self):
        self.rt.update_available_resource(nl_context.get_admin_context())

    def _shutdown_instance(self, context, instance):
        try:
            self.driver.destroy(context, instance, instance.network_info)
        except Exception:  # noqa: BLE001 - the original error matters more
            LOG.exception('Cleanup of %s failed', instance.uuid)
        self._try_deallocate_network(context, instance)

    def _try_deallocate_network(self, context, instance):
        """Created ports deleted, passed-in ports unbound and kept.  Without
        network_info this host bound nothing that it still holds: a failed
        allocation gave its ports back itself (a build caught by a restart
        keeps its ports until the delete, which the API then cleans, as Nova)."""
        if not instance.network_info:
            return
        try:
            self.network_api.deallocate_for_instance(context, instance)
        except Exception:  # noqa: BLE001 - logged; the delete or the fault goes on
            LOG.exception('Failed to deallocate the network(s) of %s', instance.uuid)

    # -- delete ---------------------------------------------------------------------
    def terminate_instance(self, context, instance):
        self._build_pool.submit(self._locked_terminate, context, instance)

    def _locked_terminate(self, context, instance):
        context.update_store()
        with self._locks.lock(instance.uuid):
            self._terminate(context, instance)

    def _terminate(self, context, instance):
        try:
            self._shutdown_instance(context, instance)
            self.conductor_api.instance_destroy(context, self.host, instance.uuid)
            LOG.info('Instance %s deleted', instance.uuid)
        except (exception.InstanceNotFound, exception.NotAllowedByHost):
            LOG.info('Instance %s already gone from this host', instance.uuid)
        except Exception:  # noqa: BLE001
            LOG.exception('Delete of %s failed', instance.uuid)

    # -- os-server-external-events ---------------------------------------------
    def external_instance_event(self, context, instances, events):
        """Events from Neutron: ``network-vif-plugged``/``-unplugged`` end a
        wait prepared by the driver; ``network-changed`` and
        ``network-vif-deleted`` are accepted as Nova accepts them (nothing is
        cached on this host that they would invalidate)."""
        for instance, event in zip(instances, events):
            name, tag = event['name'], event.get('tag')
            if name in ('network-changed', 'network-vif-deleted'):
                LOG.info('Event %s:%s for instance %s accepted', name, tag, instance.uuid)
            elif not self.instance_events.pop(instance.uuid, name, tag,
                                              event.get('status', 'completed')):
                LOG.debug('Dropping event %s:%s for instance %s: nothing waits for it',
                          name, tag, instance.uuid)

    # -- console (os-getConsoleOutput) ------------------------------------------
    def get_console_output(self, context, instance, tail_length=None):
        output = self.driver.get_console_output(context, instance).decode('utf-8', 'replace')
        if tail_length is not None:
            lines = output.splitlines()
            output = '\n'.join(lines[-tail_length:]) if tail_length else ''
        return output

    # -- power state (seed 3.16) -------------------------------------------------
    def handle_lifecycle_event(self, event):
        state = EVENT_POWER.get(event.transition)
        if state is None:
            return
        ctx = nl_context.get_admin_context()
        try:
            self._sync_instance_power_state(ctx, event.uuid, state)
        except Exception:  # noqa: BLE001 - events come from the driver's thread
            LOG.exception('Handling lifecycle event %s failed', event)

    def _sync_instance_power_state(self, ctx, uuid, state):
        """The power state saved, as Nova does, only for an instance with no
        task pending: a task's own saves set the power state (a build's
        last save reads it from the driver), so the started guest of a
        build this host is running is not saved at all, and the save is
        conditional on task_state None otherwise."""
        with self._building_lock:
            if uuid in self._building:
                return
        step_list = [conductor_steps.update({'power_state': state}, [None])]
        if state in (power_state.SHUTDOWN, power_state.CRASHED):
            # A guest that died is SHUTOFF, not ACTIVE forever; only for an
            # active instance that is not in the middle of a task.
            step_list.append(conductor_steps.update({'vm_state': vm_states.STOPPED}, [None],
                                                    vm_states.ACTIVE))
        try:
            conductor_steps.raise_for(self.steps.run(ctx, uuid, step_list))
        except (exception.InstanceNotFound, exception.NotAllowedByHost,
                exception.UnexpectedTaskStateError):
            return
        if len(step_list) > 1:
            LOG.info('Instance %s stopped behind our back: now SHUTOFF', uuid)

    def _sync_power_states(self):
        ctx = nl_context.get_admin_context()
        for inst in self.conductor_api.instances_on_host(ctx, self.host):
            if inst.vm_state != vm_states.ACTIVE or inst.task_state is not None:
                continue
            try:
                state = self.driver.get_info(inst).state
            except exception.InstanceNotFound:
                state = power_state.SHUTDOWN
            if state != inst.power_state:
                self._sync_instance_power_state(ctx, inst.uuid, state)

