"""The build path of novalite-compute (seed 3.10–3.12), mixed into the
ComputeManager.

``build_and_run_instance`` (one instance) and ``build_and_run_instances``
(novalite's batch: every instance a request placed on this host, in one
message) return at once and hand each build to a bounded thread pool
(``max_concurrent_builds``); each build holds a per-instance lock.

A build's saves, instance-action events and claim go to the conductor as a
few groups of steps (compute/conductor_steps.py), and the steps of builds
that run at the same time share one call:

1. vm_state building, ``compute__do_build_and_run_instance`` started, the
   claim (``compute_instance_claim``), task_state networking,
   ``compute_allocate_network`` started;
2. ports allocated and bound: the network event finished, network_info and
   task_state block_device_mapping, then spawning, ``compute_spawn`` started;
3. guest running: the spawn event finished, ACTIVE, the build event finished.

A build with no network to allocate (``networks: none``) has nothing to wait
for between 1 and 2: its first group carries both, so it makes two round
trips, not three, and its timeline is the same.
"""
import contextlib
import logging
import traceback

from oslo_utils import timeutils

from novalite.compute import conductor_steps as steps
from novalite.compute import task_states, vm_states
from novalite.compute import utils as compute_utils
from novalite import exception
from novalite import hooks
from novalite.network import neutron
from novalite import notifications

LOG = logging.getLogger(__name__)

# Spawn failures that retrying elsewhere cannot fix.
ABORT_ERRORS = (exception.ImageNotFound, exception.ImageUnacceptable,
                exception.FlavorDiskSmallerThanImage, exception.FlavorMemoryTooSmall,
                exception.InvalidBDM,
                # a port the network service never reported plugged (Nova aborts too)
                exception.VirtualInterfaceCreateException)
BUILD_EVENT = 'compute__do_build_and_run_instance'
GONE = (exception.InstanceNotFound, exception.UnexpectedTaskStateError,
        exception.NotAllowedByHost)


class _InstanceGone(Exception):
    """The instance was deleted (or taken away) while it was building."""


class BuildMixin:
    """Needs from the manager: host, driver, rt, network_api, conductor_api,
    compute_task_api, steps, _build_pool, _builds(_lock), _building(_lock),
    _locks, _shutdown_instance, _hand_back_after_restart."""

    # -- seed 3.10 --------------------------------------------------------------
    def build_and_run_instances(self, context, builds, image, request_spec,
                                admin_password=None, injected_files=None,
                                requested_networks=None, security_groups=None,
                                block_device_mapping=None):
        """6.2, novalite's batch extension: ``builds`` is one dict per instance
        (instance, filter_properties, node, limits, host_list); each is built
        as ``build_and_run_instance`` builds one, in parallel up to
        ``max_concurrent_builds``."""
        for build in builds:
            self.build_and_run_instance(
                context, build['instance'], image, request_spec, build['filter_properties'],
                admin_password, injected_files, requested_networks, security_groups,
                block_device_mapping, build.get('node'), build.get('limits'),
                build.get('host_list'))

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
            with self._locks.lock(instance.uuid), self.steps.building():
                self._do_build_and_run_instance(context, instance, *args)
        except Exception:  # noqa: BLE001 - a pool thread must not die silently
            LOG.exception('Unexpected error building %s', instance.uuid)
        finally:
            with self._building_lock:
                self._building.discard(instance.uuid)

    # -- the conductor, in steps --------------------------------------------------
    def _steps(self, context, instance, step_list):
        """Run steps for ``instance``; its state after the last save (or
        ``instance`` when none), else the failed step's error raised."""
        answer = self.steps.run(context, instance.uuid, step_list)
        return steps.instance_after(answer, instance, step_list)

    def _event(self, context, instance, event, phase, result=None, tb=None):
        try:
            self._steps(context, instance, [steps.events((event, phase, result, tb))])
        except exception.NovaliteException:
            pass

    def _save(self, context, instance, updates, expected_task_state=None,
              expected_vm_state=None):
        return self._steps(context, instance, [
            steps.update(updates, expected_task_state, expected_vm_state)])

    # -- seed 3.11 -------------------------------------------------------------------
    @hooks.add_hook('build_instance')
    def _do_build_and_run_instance(self, context, instance, image, request_spec,
                                   filter_properties, admin_password, injected_files,
                                   requested_networks, security_groups,
                                   block_device_mapping, node, limits, host_list):
        resched = (image, request_spec, filter_properties, admin_password, injected_files,
                   requested_networks, security_groups, block_device_mapping, host_list)
        try:
            instance = self._start_build(context, instance, node,
                                         neutron.allocates_nothing(requested_networks))
        except exception.NovaliteException as exc:
            self._start_failed(context, instance, exc, resched)
            return
        try:
            self._build_and_run_instance(context, instance, image, request_spec,
                                         filter_properties, admin_password, injected_files,
                                         requested_networks, security_groups,
                                         block_device_mapping, node, limits)
        except exception.RescheduledException as exc:
            self._event(context, instance, BUILD_EVENT, 'finish', 'Error',
                        traceback.format_exc())
            self._reschedule(context, instance, exc, *resched)
        except _InstanceGone:
            LOG.info('Instance %s was deleted during its build', instance.uuid)
            # Nova's wrap_instance_event: the build returned normally
            self._event(context, instance, BUILD_EVENT, 'finish', 'Success')
        except Exception as exc:  # noqa: BLE001 - BuildAbortException and the unexpected
            self._event(context, instance, BUILD_EVENT, 'finish', 'Error',
                        traceback.format_exc())
            self._fail_build(context, instance, exc)

    def _start_build(self, context, instance, node, no_network=False):
        """Step group 1: building, the build event, the claim, networking;
        with ``no_network`` (nothing to allocate) group 2 as well."""
        return self._steps(context, instance, [
            steps.update({'vm_state': vm_states.BUILDING, 'task_state': None},
                         [task_states.SCHEDULING, None], vm_states.BUILDING),
            steps.events((BUILD_EVENT, 'start')),
            steps.claim(node),
            steps.update({'task_state': task_states.NETWORKING}, [None]),
            steps.events(('compute_allocate_network', 'start'))] +
            (_networks_done([]) if no_network else []))

    def _start_failed(self, context, instance, exc, resched):
        step = getattr(exc, 'failed_step', None)
        if step is None:
            raise exc
        if step == 0:
            if isinstance(exc, exception.UnexpectedTaskStateError):
                # still building here but past its first step, and this
                # process is not building it: started before this host restarted
                self._hand_back_after_restart(context, instance)
            else:
                LOG.info('Instance %s disappeared or changed before its build started',
                         instance.uuid)
            return
        if isinstance(exc, exception.ComputeResourcesUnavailable):
            try:
                raise exception.RescheduledException(instance_uuid=instance.uuid,
                                                     reason=exc.format_message()) from exc
            except exception.RescheduledException as resc:
                self._event(context, instance, BUILD_EVENT, 'finish', 'Error',
                            traceback.format_exc())
                self._reschedule(context, instance, resc, *resched)
            return
        # gone at the claim or just after it
        self._cleanup_after_gone(context, instance)
        LOG.info('Instance %s was deleted during its build', instance.uuid)
        self._event(context, instance, BUILD_EVENT, 'finish', 'Success')

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
        except GONE:
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

    # -- seed 3.12 ------------------------------------------------------------------
    def _build_and_run_instance(self, context, instance, image, request_spec,
                                filter_properties, admin_password, injected_files,
                                requested_networks, security_groups,
                                block_device_mapping, node, limits):
        """Claimed and networking (step group 1 done): networks, spawn, ACTIVE."""
        with self.steps.away():         # its spawn comes next, not steps
            notifications.notify_about_instance_create(context, instance, self.host, 'start')
        try:
            with self.rt.claimed(context, instance, node):
                with self._build_resources(context, instance, requested_networks) as (
                        instance, net):
                    try:
                        with self.steps.away():
                            self.driver.spawn(context, instance, image, injected_files,
                                              admin_password, None, network_info=net)
                    except BaseException:
                        self._event(context, instance, 'compute_spawn', 'finish', 'Error',
                                    traceback.format_exc())
                        raise
                    state = self.driver.get_info(instance).state
                    instance = self._steps(context, instance, [
                        steps.events(('compute_spawn', 'finish', 'Success')),
                        steps.update({'power_state': state, 'vm_state': vm_states.ACTIVE,
                                      'task_state': None, 'launched_at': timeutils.utcnow()},
                                     [task_states.SPAWNING]),
                        steps.events((BUILD_EVENT, 'finish', 'Success'))])
        except GONE as exc:
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
        """Networks (task_state networking was set with the claim), then block
        devices; yields (instance, network_info) with the instance spawning.
        With no network to allocate, the claim's step group did all of this.
        On failure the guest and its networks are cleaned up before the
        error goes on."""
        no_network = neutron.allocates_nothing(requested_networks)
        network_info = [] if no_network else self._allocate_networks(
            context, instance, requested_networks)
        try:
            saved = instance if no_network else self._steps(
                context, instance, _networks_done(network_info))
            yield saved, network_info
        except BaseException:
            self._shutdown_instance(context, instance)
            raise

    def _allocate_networks(self, context, instance, requested_networks):
        try:
            with self.steps.away():
                network_info = self._build_networks_for_instance(context, instance,
                                                                 requested_networks)
        except Exception as exc:  # noqa: BLE001 - a network failure aborts the build
            self._event(context, instance, 'compute_allocate_network', 'finish', 'Error',
                        traceback.format_exc())
            reason = (exc.format_message() if isinstance(exc, exception.NovaliteException)
                      else '%s: %s' % (type(exc).__name__, exc))
            raise exception.BuildAbortException(
                instance_uuid=instance.uuid,
                reason='Failed to allocate the network(s), not rescheduling: %s' % reason)
        # known before the save, so a cleanup keeps the ports the user passed in
        instance.network_info = network_info
        return network_info

    def _build_networks_for_instance(self, context, instance, requested_networks):
        """Ports created or taken and bound to this host (seed 3.12): the VIF
        list the driver plugs and the instance keeps."""
        return self.network_api.allocate_for_instance(context, instance, requested_networks,
                                                      bind_host_id=self.host)

    def _cleanup_after_gone(self, context, instance):
        self._shutdown_instance(context, instance)
        self.rt.abort_instance_claim(context, instance)


def _networks_done(network_info):
    """Step group 2: the network event finished, network_info and task_state
    block_device_mapping, then spawning, the spawn event started."""
    return [steps.events(('compute_allocate_network', 'finish', 'Success')),
            steps.update({'task_state': task_states.BLOCK_DEVICE_MAPPING,
                          'network_info': network_info}, [task_states.NETWORKING]),
            steps.update({'task_state': task_states.SPAWNING},
                         [task_states.BLOCK_DEVICE_MAPPING]),
            steps.events(('compute_spawn', 'start'))]
