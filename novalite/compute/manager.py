"""novalite-compute's manager (seed 3.10–3.12): builds and deletes guests.

``build_and_run_instance`` returns at once and hands the build to a bounded
thread pool (``max_concurrent_builds``); each build holds a per-instance lock.
Every database read or write goes to the conductor over RPC.
"""
import concurrent.futures
import contextlib
import logging
import threading
import time
import traceback

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_utils import timeutils

from novalite.compute import instance_events
from novalite.compute import power_state, resource_tracker, task_states, vm_states
from novalite.compute import utils as compute_utils
from novalite.conductor import rpcapi as conductor_rpcapi
from novalite import context as nl_context
from novalite import exception
from novalite import hooks
from novalite.network import neutron
from novalite import notifications
from novalite import service
from novalite.virt import driver as virt_driver

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# Spawn failures that retrying elsewhere cannot fix.
ABORT_ERRORS = (exception.ImageNotFound, exception.ImageUnacceptable,
                exception.FlavorDiskSmallerThanImage, exception.FlavorMemoryTooSmall,
                exception.InvalidBDM,
                # a port the network service never reported plugged (Nova aborts too)
                exception.VirtualInterfaceCreateException)

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


class ComputeManager:
    target = messaging.Target(version='6.1')

    def __init__(self, host=None):
        self.host = host or CONF.host
        self.driver = virt_driver.load_compute_driver(CONF.compute_driver)
        self.conductor_api = conductor_rpcapi.ConductorAPI()
        self.compute_task_api = conductor_rpcapi.ComputeTaskAPI()
        self.rt = resource_tracker.ResourceTracker(self.host, self.driver, self.conductor_api)
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
        interval = CONF.image_cache.manager_interval
        if interval >= 0:
            tasks.append(service.PeriodicTask('_run_image_cache_manager_pass',
                                              interval or DEFAULT_PERIODIC_INTERVAL,
                                              self._run_image_cache_manager_pass))
        return tasks

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

    # -- build (seed 3.10) -------------------------------------------------------
    def build_and_run_instance(self, context, instance, image, request_spec,
                               filter_properties, admin_password=None, injected_files=None,
                               requested_networks=None, security_groups=None,
                               block_device_mapping=None, node=None, limits=None,
                               host_list=None):
        with self._building_lock:
            if instance.uuid in self._building:
                # a conductor drove a stalled build again: this one is running
                LOG.info('Already building %s; ignoring the repeated cast', instance.uuid)
                return
            self._building.add(instance.uuid)
        args = (image, request_spec, filter_properties, admin_password, injected_files,
                requested_networks, security_groups, block_device_mapping, node, limits,
                host_list)
        with self._builds_lock:
            future = self._build_pool.submit(self._locked_do_build_and_run_instance,
                                             context, instance, *args)
            self._builds[future] = (context, instance, args)
        future.add_done_callback(self._build_done)

    def _build_done(self, future):
        with self._builds_lock:
            self._builds.pop(future, None)

    def _locked_do_build_and_run_instance(self, context, instance, *args):
        context.update_store()      # log lines in this thread carry the request id
        try:
            with self._locks.lock(instance.uuid):
                self._do_build_and_run_instance(context, instance, *args)
        except Exception:  # noqa: BLE001 - a pool thread must not die silently
            LOG.exception('Unexpected error building %s', instance.uuid)
        finally:
            with self._building_lock:
                self._building.discard(instance.uuid)

    def _event(self, context, instance, event, phase, result=None, tb=None):
        try:
            self.conductor_api.action_event(context, self.host, instance.uuid, event,
                                            phase, result, tb)
        except exception.NovaliteException:
            pass

    @contextlib.contextmanager
    def _step(self, context, instance, event):
        """One step of the build timeline shown by os-instance-actions: an
        event started before the step and finished with its result."""
        self._event(context, instance, event, 'start')
        try:
            yield
        except BaseException:
            self._event(context, instance, event, 'finish', 'Error', traceback.format_exc())
            raise
        self._event(context, instance, event, 'finish', 'Success')

    # -- seed 3.11 -------------------------------------------------------------------
    @hooks.add_hook('build_instance')
    def _do_build_and_run_instance(self, context, instance, image, request_spec,
                                   filter_properties, admin_password, injected_files,
                                   requested_networks, security_groups,
                                   block_device_mapping, node, limits, host_list):
        try:
            instance = self._save(context, instance, {'vm_state': vm_states.BUILDING,
                                                      'task_state': None},
                                  [task_states.SCHEDULING, None],
                                  expected_vm_state=vm_states.BUILDING)
        except exception.UnexpectedTaskStateError:
            # still building here but past its first step, and this process
            # is not building it: started before this host restarted
            self._hand_back_after_restart(context, instance)
            return
        except (exception.InstanceNotFound, exception.NotAllowedByHost):
            LOG.info('Instance %s disappeared or changed before its build started',
                     instance.uuid)
            return
        event = 'compute__do_build_and_run_instance'
        self._event(context, instance, event, 'start')
        try:
            self._build_and_run_instance(context, instance, image, request_spec,
                                         filter_properties, admin_password, injected_files,
                                         requested_networks, security_groups,
                                         block_device_mapping, node, limits)
            self._event(context, instance, event, 'finish', 'Success')
        except exception.RescheduledException as exc:
            self._event(context, instance, event, 'finish', 'Error', traceback.format_exc())
            self._reschedule(context, instance, exc, image, request_spec, filter_properties,
                             admin_password, injected_files, requested_networks,
                             security_groups, block_device_mapping, host_list)
        except _InstanceGone:
            LOG.info('Instance %s was deleted during its build', instance.uuid)
            # Nova's wrap_instance_event: the build returned normally
            self._event(context, instance, event, 'finish', 'Success')
        except Exception as exc:  # noqa: BLE001 - BuildAbortException and the unexpected
            self._event(context, instance, event, 'finish', 'Error', traceback.format_exc())
            self._fail_build(context, instance, exc)

    def _reschedule(self, context, instance, exc, image, request_spec, filter_properties,
                    admin_password, injected_files, requested_networks, security_groups,
                    block_device_mapping, host_list):
        LOG.info('Rescheduling %s: %s', instance.uuid, exc.format_message())
        retry = filter_properties.setdefault('retry', {'num_attempts': 1, 'hosts': []})
        retry['exc_reason'] = exc.format_message()
        # each host tried and its error, for the fault when the alternates run out
        retry.setdefault('errors', []).append([self.host, exc.kwargs.get('reason', '')])
        try:
            # host stays: the conductor takes a reschedule only from the
            # instance's own host, and sets the next one itself
            instance = self._save(context, instance, {'node': None,
                                                      'task_state': task_states.SCHEDULING})
        except (exception.InstanceNotFound, exception.NotAllowedByHost,
                exception.UnexpectedTaskStateError):
            return
        self.compute_task_api.build_instances(
            context, [instance], image, filter_properties, admin_password, injected_files,
            requested_networks, security_groups, block_device_mapping,
            request_spec=request_spec, host_lists=[host_list or []])

    def _fail_build(self, context, instance, exc):
        """ERROR with a fault naming the cause and the claim released: one
        call to the conductor's ``fail_build``, then the error notification."""
        message = compute_utils.fault_message(exc)
        details = compute_utils.fault_details(exc)
        LOG.error('Build of instance %s failed: %s', instance.uuid, message)
        instance = self.conductor_api.fail_build(context, self.host, instance.uuid,
                                                 message, details)
        if instance is None:        # deleted meanwhile, or already failed
            return
        notifications.notify_about_instance_create(
            context, instance, self.host, 'error',
            fault={'message': message, 'exception': type(exc).__name__, 'details': details})

    def _save(self, context, instance, updates, expected_task_state=None,
              expected_vm_state=None):
        return self.conductor_api.instance_update(
            context, self.host, instance.uuid, updates, expected_task_state,
            check_task_state=expected_task_state is not None,
            expected_vm_state=expected_vm_state)

    # -- seed 3.12 ------------------------------------------------------------------
    def _build_and_run_instance(self, context, instance, image, request_spec,
                                filter_properties, admin_password, injected_files,
                                requested_networks, security_groups,
                                block_device_mapping, node, limits):
        notifications.notify_about_instance_create(context, instance, self.host, 'start')
        try:
            with contextlib.ExitStack() as claimed:
                with self._step(context, instance, 'compute_instance_claim'):
                    claimed.enter_context(self.rt.instance_claim(context, instance, node,
                                                                 limits))
                with self._build_resources(context, instance, requested_networks) as net:
                    instance = self._save(context, instance,
                                          {'task_state': task_states.SPAWNING},
                                          [task_states.BLOCK_DEVICE_MAPPING])
                    with self._step(context, instance, 'compute_spawn'):
                        self.driver.spawn(context, instance, image, injected_files,
                                          admin_password, None, network_info=net)
                    state = self.driver.get_info(instance).state
                    instance = self._save(context, instance, {
                        'power_state': state, 'vm_state': vm_states.ACTIVE,
                        'task_state': None, 'launched_at': timeutils.utcnow()},
                        [task_states.SPAWNING])
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError,
                exception.NotAllowedByHost) as exc:
            self._cleanup_after_gone(context, instance)
            raise _InstanceGone() from exc
        except exception.ComputeResourcesUnavailable as exc:
            raise exception.RescheduledException(instance_uuid=instance.uuid,
                                                 reason=exc.format_message()) from exc
        except (exception.BuildAbortException, *ABORT_ERRORS) as exc:
            if isinstance(exc, exception.BuildAbortException):
                raise
            raise exception.BuildAbortException(instance_uuid=instance.uuid,
                                                reason=exc.format_message()) from exc
        except Exception as exc:  # noqa: BLE001 - a spawn error is a reschedule
            reason = (exc.format_message() if isinstance(exc, exception.NovaliteException)
                      else '%s: %s' % (type(exc).__name__, exc))
            raise exception.RescheduledException(instance_uuid=instance.uuid,
                                                 reason=reason) from exc
        notifications.notify_about_instance_create(context, instance, self.host, 'end')
        LOG.info('Instance %s spawned successfully on %s', instance.uuid, node)

    @contextlib.contextmanager
    def _build_resources(self, context, instance, requested_networks):
        """Networks, then block devices; on failure the guest and its
        networks are cleaned up before the error goes on."""
        self._save(context, instance, {'task_state': task_states.NETWORKING}, [None])
        try:
            with self._step(context, instance, 'compute_allocate_network'):
                network_info = self._build_networks_for_instance(context, instance,
                                                                 requested_networks)
        except Exception as exc:  # noqa: BLE001 - a network failure aborts the build
            reason = (exc.format_message() if isinstance(exc, exception.NovaliteException)
                      else '%s: %s' % (type(exc).__name__, exc))
            raise exception.BuildAbortException(
                instance_uuid=instance.uuid,
                reason='Failed to allocate the network(s), not rescheduling: %s' % reason)
        # known before the save, so a cleanup keeps the ports the user passed in
        instance.network_info = network_info
        try:
            self._save(context, instance, {'task_state': task_states.BLOCK_DEVICE_MAPPING,
                                           'network_info': network_info},
                       [task_states.NETWORKING])
            yield network_info
        except BaseException:
            self._shutdown_instance(context, instance)
            raise

    def _build_networks_for_instance(self, context, instance, requested_networks):
        """Ports created or taken and bound to this host (seed 3.12): the VIF
        list the driver plugs and the instance keeps."""
        return self.network_api.allocate_for_instance(context, instance, requested_networks,
                                                      bind_host_id=self.host)

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

    def _cleanup_after_gone(self, context, instance):
        self._shutdown_instance(context, instance)
        self.rt.abort_instance_claim(context, instance)

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
        try:
            self.conductor_api.instance_update(ctx, self.host, uuid, {'power_state': state})
            if state in (power_state.SHUTDOWN, power_state.CRASHED):
                # A guest that died is SHUTOFF, not ACTIVE forever; only for an
                # active instance that is not in the middle of a task.
                self.conductor_api.instance_update(
                    ctx, self.host, uuid, {'vm_state': vm_states.STOPPED}, [None],
                    check_task_state=True, expected_vm_state=vm_states.ACTIVE)
                LOG.info('Instance %s stopped behind our back: now SHUTOFF', uuid)
        except (exception.InstanceNotFound, exception.NotAllowedByHost,
                exception.UnexpectedTaskStateError):
            return

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


class _InstanceGone(Exception):
    """The instance was deleted (or taken away) while it was building."""
