"""Several instances' build steps in one call from a compute (conductor 4.1).

A compute used to make one blocking call per state save, per instance-action
event and per claim: about fifteen per boot.  ``instance_steps`` takes, for
each of many instances of the calling host, a list of steps run in order:

- ``{'update': {...}, 'expected_task_state': [...], 'check_task_state': bool,
  'expected_vm_state': ...}``: an instance save, as ``instance_update``;
- ``{'events': [{'event', 'phase', 'result', 'traceback'}, ...]}``: instance-action
  events (the build timeline of os-instance-actions), in one transaction;
- ``{'claim': nodename, 'event': name}``: the claim on ``nodename``, with its
  event started before and finished after it (Error naming the refusal).

An instance's steps stop at the first that fails; the others go on.  The
claims of all the instances are taken together, one conditional UPDATE per
node for the sum (``db.hosts.instance_claims``), between the steps before
and the steps after them.  Each answer is
``{'instance', 'failed_step', 'error', 'message'}``: the instance as of its
last save, and where and why it stopped (an exception class name).
"""
import collections

from novalite.db import api as db
from novalite.db import hosts as db_hosts
from novalite import exception

STEP_ERRORS = exception.BUILD_STEP_ERRORS


class _Run:
    """One instance's steps and where they are."""

    def __init__(self, item):
        self.uuid, self.request_id = item['instance_uuid'], item.get('request_id')
        self.steps, self.pos, self.pending = item['steps'], 0, []
        self.answer = {'instance': None, 'failed_step': None, 'error': None,
                       'message': None}

    def fail(self, exc):
        self.answer.update(failed_step=self.pos, error=type(exc).__name__,
                           message=exc.format_message())
        self.pos = len(self.steps)

    @property
    def claim(self):
        step = self.steps[self.pos] if self.pos < len(self.steps) else {}
        return step.get('claim')


def run(host, items, instance_update):
    """Run ``items`` for compute ``host``; ``instance_update(uuid, updates,
    expected_task_state, check_task_state, expected_vm_state)`` is the
    conductor's own save (host checks, retried-call tolerance)."""
    runs = [_Run(item) for item in items]
    for r in runs:
        _advance(host, r, instance_update)
    by_node = collections.defaultdict(list)
    for r in runs:
        if r.claim is not None:
            by_node[r.claim].append(r)
    for nodename, claiming in by_node.items():
        refused = db_hosts.instance_claims([r.uuid for r in claiming], host, nodename)
        for r in claiming:
            event = r.steps[r.pos].get('event')
            exc = refused.get(r.uuid)
            if event:
                r.pending.append({
                    'event': event, 'phase': 'finish', 'result': 'Error' if exc else 'Success',
                    'traceback': '%s: %s' % (type(exc).__name__, exc.format_message())
                    if exc else None})
            if exc is not None:
                _flush(host, r)
                r.fail(exc)
                continue
            r.pos += 1
            _advance(host, r, instance_update)
    return [r.answer for r in runs]


def _advance(host, r, instance_update):
    """Run ``r``'s steps up to its claim (its event started) or its end.
    Events are written together, when the steps stop (one transaction)."""
    while r.pos < len(r.steps):
        step = r.steps[r.pos]
        if 'events' in step:
            r.pending.extend(step['events'])
        elif 'claim' in step:
            if step.get('event'):
                r.pending.append({'event': step['event'], 'phase': 'start'})
            _flush(host, r)
            return
        else:
            try:
                r.answer['instance'] = instance_update(
                    r.uuid, step['update'], step.get('expected_task_state'),
                    step.get('check_task_state', False), step.get('expected_vm_state'))
            except STEP_ERRORS as exc:
                later = _applied_through(r, exc)
                if later is None:
                    _flush(host, r)
                    r.fail(exc)
                    return
                r.answer['instance'], r.pos = later
        r.pos += 1
    _flush(host, r)


def _applied_through(r, exc):
    """(instance, index) when ``r`` is a repeat of steps already run (a
    call retried across a reconnect, or run by two conductors at once): the
    instance is in the states a later save of the same list sets, so the
    steps up to that save and the events after it were applied (claims
    included): the index of the last of them, else None."""
    if not isinstance(exc, exception.UnexpectedTaskStateError):
        return None
    try:
        inst = db.instance_get_by_uuid(r.uuid)
    except exception.InstanceNotFound:
        return None
    for i in range(len(r.steps) - 1, r.pos, -1):
        updates = r.steps[i].get('update') or {}
        states = {k: updates[k] for k in ('vm_state', 'task_state') if k in updates}
        if states and all(getattr(inst, k) == v for k, v in states.items()):
            # the events written with that save were written then too
            while i + 1 < len(r.steps) and 'events' in r.steps[i + 1]:
                i += 1
            return inst, i
    return None


def _flush(host, r):
    if r.pending:
        db.action_events_record(r.uuid, r.request_id, host, [
            (e['event'], e['phase'], e.get('result'), e.get('traceback')) for e in r.pending])
        r.pending = []
