"""A compute's build steps, sent to the conductor together (conductor 4.1).

Each build thread hands its next steps for one instance (saves, instance-action
events, the claim: see conductor/instance_steps.py) to ``ConductorSteps.run``
and waits for the answer.  The steps of the builds that wait at the same
moment travel in one ``instance_steps`` call: a waiting thread sends everything
queued, and when it has its answer the next waiting thread sends what queued
meanwhile (a group commit), with at most ``MAX_IN_FLIGHT`` calls under way
per host: one, so that the builds of a host queue behind its call and share the
next one (three calls in flight grouped 1.6 step lists per call and cost
the conductor 40 % more CPU in the scale benchmark); the conductor still
works for several hosts at once.  A lone build pays one round trip, as
before; parallel builds share theirs, and the claims of instances that start
together are one statement on the conductor.

While builds wait for a free slot (a batch larger than
``max_concurrent_builds``), a call about to leave first waits up to
``LINGER_S`` for the host's builds that are near their next steps (inside
``building``, not ``away`` in a spawn, a port allocation or create.start):
a build that ends is followed at once by the next one's first steps, so the
calls stay full (a scale benchmark run: 7.0 step lists per call, against
4.9 when every call left at once).  Without a backlog no call waits.

When ``[upgrade_levels] conductor`` is below 4.1 the same steps go as the
4.0 calls (``instance_update``, ``action_event``, ``instance_claim``), one
each, with the same answers.
"""
import contextlib
import logging
import threading
import time

from novalite import exception

LOG = logging.getLogger(__name__)

STEP_ERRORS = exception.BUILD_STEP_ERRORS
# Items per call: a 1,000-instance batch goes in a few calls, not one huge one.
MAX_ITEMS = 200
MAX_IN_FLIGHT = 1
# How long a call may wait for builds that are between two of their step
# groups (a notification, the claim's bookkeeping) to queue their steps too.
LINGER_S = 0.005


def update(updates, expected_task_state=None, expected_vm_state=None):
    """A save step (``expected_task_state`` None: not checked)."""
    return {'update': updates, 'expected_task_state': expected_task_state,
            'check_task_state': expected_task_state is not None,
            'expected_vm_state': expected_vm_state}


def events(*evs):
    """An events step: each ``(event, phase[, result[, traceback]])``."""
    return {'events': [dict(zip(('event', 'phase', 'result', 'traceback'), e)) for e in evs]}


def claim(nodename, event='compute_instance_claim'):
    return {'claim': nodename, 'event': event}


def error_name(exc):
    for cls in STEP_ERRORS:
        if isinstance(exc, cls):     # remote exceptions are subclasses
            return cls.__name__
    return None


def raise_for(answer):
    """The instance of an answer, or its error raised as the exception class
    with ``failed_step`` set (the index of the step that failed)."""
    if answer['error'] is None:
        return answer['instance']
    exc = getattr(exception, answer['error'])(message=answer['message'])
    exc.failed_step = answer['failed_step']
    raise exc


def instance_after(answer, instance, step_list):
    """``instance`` after ``step_list`` ran (its answer's error raised, as
    ``raise_for``): the instance the conductor read back (4.1, or a repeated
    call), else (4.4) a copy of ``instance`` with the steps' saves and what
    the conductor set (``changes``: updated_at, the claim's node) applied,
    else ``instance`` itself (no save).  What the API changes meanwhile (a
    rename, metadata) is not in the copy: the build's saves are conditional
    on the states, not on those, and the create.end notification names the
    server as the build started."""
    raise_for(answer)
    if answer.get('instance') is not None:
        return answer['instance']
    changes = answer.get('changes')
    if not changes:
        return instance
    values = instance.as_dict()
    for step in step_list:
        values.update(step.get('update') or ())
    values.update(changes)
    return type(instance).from_values(values)


class _Waiting:
    def __init__(self, context, item):
        self.context, self.item = context, item
        self.woken = threading.Event()
        self.handed = self.done = False     # handed: may send (a free sending slot)
        self.answer = self.error = None


class ConductorSteps:
    def __init__(self, conductor_api, host, backlog=None):
        """``backlog()``: True while builds wait for a free build slot
        (``max_concurrent_builds``); only then does a call wait for the
        builds near their next steps (``LINGER_S``)."""
        self.conductor_api, self.host = conductor_api, host
        self._backlog = backlog or (lambda: False)
        self._lock = threading.Lock()
        self._queued = threading.Condition(self._lock)
        self._queue = []
        self._in_flight = 0          # sending slots taken (at most MAX_IN_FLIGHT)
        self._near = 0               # builds between their step groups (see building)
        self.calls = 0               # instance_steps calls sent (for tests and the bench)

    @contextlib.contextmanager
    def building(self):
        """Around one build: while it is between two of its step groups and
        not ``away``, the call about to leave waits up to ``LINGER_S`` for
        its next steps, so that the builds of a host share their calls."""
        self._move_near(1)
        try:
            yield
        finally:
            self._move_near(-1)

    @contextlib.contextmanager
    def away(self):
        """Around a long step of a build (the guest's spawn, its ports):
        no call waits for it meanwhile."""
        self._move_near(-1)
        try:
            yield
        finally:
            self._move_near(1)

    def _move_near(self, delta):
        with self._lock:
            self._near += delta
            self._queued.notify_all()

    def run(self, context, instance_uuid, steps):
        """Run ``steps`` for one instance; returns its answer
        ``{'instance', 'failed_step', 'error', 'message'}``."""
        item = {'instance_uuid': instance_uuid, 'request_id': context.request_id,
                'steps': steps}
        if not self.conductor_api.can_send_version('4.1'):
            return self._run_one_by_one(context, item)
        me = _Waiting(context, item)
        with self._lock:
            self._queue.append(me)
            sends = self._in_flight < MAX_IN_FLIGHT
            self._in_flight += sends
            self._queued.notify_all()
        while True:
            if sends:           # a slot is ours: use it, then hand it on or free it
                self._send_queued()
            if me.done:
                break
            me.woken.wait()
            with self._lock:
                me.woken.clear()
                sends, me.handed = me.handed, False
        if me.error is not None:
            raise me.error
        return me.answer

    def _take_batch(self):
        """Up to ``MAX_ITEMS`` queued items, at most one per instance (the
        conductor refuses a call naming an instance twice): another thread
        may queue steps of an instance whose build steps wait too, e.g. a
        lifecycle event's save.  The rest stay queued, in order, for the
        next call.  Called with the lock held."""
        batch, rest, named = [], [], set()
        for w in self._queue:
            uuid = w.item['instance_uuid']
            if len(batch) < MAX_ITEMS and uuid not in named:
                named.add(uuid)
                batch.append(w)
            else:
                rest.append(w)
        self._queue = rest
        return batch

    def _linger(self):
        """While builds wait for a slot, wait (the lock held) up to
        ``LINGER_S`` for the builds near their next step group to queue it:
        a build that ends is followed at once by the next one's first
        steps, and the builds of a batch leave together.  Without a
        backlog nothing waits: a lone build's call leaves at once."""
        if not self._backlog():
            return
        deadline = None
        while len(self._queue) < min(self._near, MAX_ITEMS):
            now = time.monotonic()
            if deadline is None:
                deadline = now + LINGER_S
            elif now >= deadline:
                return
            self._queued.wait(deadline - now)

    def _send_queued(self):
        with self._lock:
            self._linger()
            batch = self._take_batch()
        if batch:
            try:
                self.calls += 1
                answers = self.conductor_api.instance_steps(batch[0].context, self.host,
                                                            [w.item for w in batch])
                for w, answer in zip(batch, answers):
                    w.answer = answer
            except Exception as exc:  # noqa: BLE001 - every waiting build sees the error
                for w in batch:
                    w.error = exc
        with self._lock:
            for w in batch:
                w.done = True
                w.woken.set()
            nxt = next((w for w in self._queue if not w.handed), None)
            if nxt is not None:
                nxt.handed = True           # it sends what queued meanwhile
                nxt.woken.set()
            else:
                self._in_flight -= 1

    def _run_one_by_one(self, context, item):
        """The 4.0 calls, one per save, event and claim."""
        api, uuid = self.conductor_api, item['instance_uuid']
        answer = {'instance': None, 'failed_step': None, 'error': None, 'message': None}
        for i, step in enumerate(item['steps']):
            try:
                if 'update' in step:
                    answer['instance'] = api.instance_update(
                        context, self.host, uuid, step['update'],
                        step['expected_task_state'], check_task_state=step['check_task_state'],
                        expected_vm_state=step['expected_vm_state'])
                elif 'events' in step:
                    for e in step['events']:
                        self._event(context, uuid, e)
                else:
                    self._claim(context, uuid, step)
            except STEP_ERRORS as exc:
                answer.update(failed_step=i, error=error_name(exc),
                              message=exc.format_message())
                break
        return answer

    def _event(self, context, uuid, e):
        try:
            self.conductor_api.action_event(context, self.host, uuid, e['event'],
                                            e['phase'], e.get('result'), e.get('traceback'))
        except exception.NovaliteException:
            pass

    def _claim(self, context, uuid, step):
        event = step.get('event')
        if event:
            self._event(context, uuid, {'event': event, 'phase': 'start'})
        try:
            self.conductor_api.instance_claim(context, self.host, uuid, step['claim'])
        except STEP_ERRORS as exc:
            if event:
                self._event(context, uuid, {
                    'event': event, 'phase': 'finish', 'result': 'Error',
                    'traceback': '%s: %s' % (error_name(exc), exc.format_message())})
            raise
        if event:
            self._event(context, uuid, {'event': event, 'phase': 'finish',
                                        'result': 'Success'})
