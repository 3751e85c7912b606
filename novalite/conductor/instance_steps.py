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
and the steps after them.  The steps before the claims, for all the
instances, are one transaction, and those after them another
(``novalite/db/build_steps.py``); a save that fails changes nothing, so
only a database error undoes a phase (the whole call then fails and the
compute sends it again).  Each answer is
``{'instance', 'failed_step', 'error', 'message'}``: the instance as of its
last save, and where and why it stopped (an exception class name).
"""
import collections

from novalite.db import build_steps as db_steps
from novalite.db import hosts as db_hosts
from novalite.db.session import writer
from novalite import exception

STEP_ERRORS = exception.BUILD_STEP_ERRORS


class _Run:
    """One instance's steps and where they are."""

    def __init__(self, item):
        self.uuid, self.request_id = item['instance_uuid'], item.get('request_id')
        self.steps, self.pos, self.pending = item['steps'], 0, []
        self.saved = False          # read the instance back when the phase ends
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


class _Phase:
    """The steps of many instances up to their claims, or after them, in
    one transaction: saves as they come, the events and the instances read
    back at the end (novalite/db/build_steps.py)."""

    def __init__(self, session, host, check):
        self.session, self.host, self.check = session, host, check
        self.runs = []

    def save(self, r, step):
        updates = step['update']
        self.check(updates)
        try:
            db_steps.save(self.session, r.uuid, updates, step.get('expected_task_state'),
                          expected_host=self.host,
                          check_task_state=step.get('check_task_state', False),
                          expected_vm_state=step.get('expected_vm_state'))
        except exception.UnexpectedTaskStateError as exc:
            # a call retried across a reconnect whose first try was applied
            states = {k: updates[k] for k in ('vm_state', 'task_state') if k in updates}
            seen = getattr(exc, 'states', None)
            if not (states and seen and all(seen[k] == v for k, v in states.items())):
                raise
        r.saved = True

    def end(self):
        """The events of every run, then the instances saved, read back."""
        db_steps.record_events(self.session, self.host, [
            (r.uuid, r.request_id, [(e['event'], e['phase'], e.get('result'),
                                     e.get('traceback')) for e in r.pending])
            for r in self.runs])
        saved = db_steps.instances(self.session, [r.uuid for r in self.runs if r.saved])
        for r in self.runs:
            r.pending = []
            if r.saved:
                r.answer['instance'] = saved.get(r.uuid, r.answer['instance'])


def run(host, items, check):
    """Run ``items`` for compute ``host``; ``check(updates)`` raises when
    the host may not make that save (the conductor's rule)."""
    runs = [_Run(item) for item in items]
    with writer() as session:
        phase = _Phase(session, host, check)
        for r in runs:
            phase.runs.append(r)
            _advance(phase, r)
        phase.end()
    by_node = collections.defaultdict(list)
    for r in runs:
        if r.claim is not None:
            by_node[r.claim].append(r)
    if not by_node:
        return [r.answer for r in runs]
    refused = {}
    for nodename, claiming in by_node.items():
        refused.update(db_hosts.instance_claims([r.uuid for r in claiming], host, nodename))
    with writer() as session:
        phase = _Phase(session, host, check)
        for claiming in by_node.values():
            for r in claiming:
                phase.runs.append(r)
                _claimed(phase, r, refused.get(r.uuid))
        phase.end()
    return [r.answer for r in runs]


def _claimed(phase, r, exc):
    """The claim's event finished; the steps after it, unless refused."""
    event = r.steps[r.pos].get('event')
    if event:
        r.pending.append({
            'event': event, 'phase': 'finish', 'result': 'Error' if exc else 'Success',
            'traceback': '%s: %s' % (type(exc).__name__, exc.format_message())
            if exc else None})
    if exc is not None:
        r.fail(exc)
        return
    r.pos += 1
    _advance(phase, r)


def _advance(phase, r):
    """Run ``r``'s steps up to its claim (its event started) or its end.
    Events are written when the phase ends (one transaction)."""
    while r.pos < len(r.steps):
        step = r.steps[r.pos]
        if 'events' in step:
            r.pending.extend(step['events'])
        elif 'claim' in step:
            if step.get('event'):
                r.pending.append({'event': step['event'], 'phase': 'start'})
            return
        else:
            try:
                phase.save(r, step)
            except STEP_ERRORS as exc:
                later = _applied_through(phase.session, r, exc)
                if later is None:
                    r.fail(exc)
                    return
                r.answer['instance'], r.pos = later
                r.saved = True
        r.pos += 1


def _applied_through(session, r, exc):
    """(instance, index) when ``r`` is a repeat of steps already run (a
    call retried across a reconnect, or run by two conductors at once): the
    instance is in the states a later save of the same list sets, so the
    steps up to that save and the events after it were applied (claims
    included): the index of the last of them, else None."""
    if not isinstance(exc, exception.UnexpectedTaskStateError):
        return None
    inst = db_steps.instances(session, [r.uuid]).get(r.uuid)
    if inst is None:
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
