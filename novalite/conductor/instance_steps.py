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
whole call is one transaction on a Core connection
(``novalite/db/build_steps.py``): first one SELECT finds the instances'
hosts and actions, and one instance of another host refuses the whole call
(NotAllowedByHost) before anything is written; then the steps of every
instance up to its claim; the claims of all the instances together, one
conditional UPDATE per node for the sum (``db.hosts.instance_claims_in``);
the steps after them; at the end the events of all (each with the time its
step ran) and the instances saved, read back once.  The steps run in
rounds, each taking every instance to its next save, and a round's saves
of the same shape (the same keys set under the same conditions) go in one
executemany: the builds a compute groups into one call save their
``networking``, ``spawning`` or ACTIVE states together.  A save that can
only follow the one before it (it expects just the states that one set:
a build's networking, block_device_mapping and spawning when there is no
network to wait for) is folded into it: one UPDATE under the first one's
conditions, as nothing outside the transaction sees the states between.
A save that fails changes nothing, so only a database error undoes
anything (the whole call then fails and the compute sends it again).
Each answer is
``{'instance', 'failed_step', 'error', 'message'}``: the instance as of its
last save, and where and why it stopped (an exception class name).

With ``changes`` (4.4) the instances are not read back: an answer's
``changes`` holds what the conductor itself set (``updated_at`` of the
saves, the claim's ``compute_id``, ``node`` and ``launched_on``), and the
compute applies its own saves and those to its copy
(compute/conductor_steps.py ``instance_after``).  ``instance`` is then given
only for an instance read anyway: a repeated call whose saves had been
applied already.
"""
import collections

from novalite.db import build_steps as db_steps
from novalite.db import hosts as db_hosts
from novalite.db.session import core_writer, now
from novalite import exception

STEP_ERRORS = exception.BUILD_STEP_ERRORS


class _Run:
    """One instance's steps and where they are."""

    def __init__(self, item):
        self.uuid, self.request_id = item['instance_uuid'], item.get('request_id')
        self.steps, self.pos, self.pending = item['steps'], 0, []
        self.through = None         # the last save merged into the one under way
        self.saved = False          # read the instance back when the call ends
        self.read_back = False      # read back even with ``changes``: a repeated call
        self.changes = {}           # what the conductor set (answered with ``changes``)
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


class _Call:
    """The steps of many instances in one transaction: saves as they come,
    the events and the instances read back at the end
    (novalite/db/build_steps.py)."""

    def __init__(self, conn, host, check, runs, changes):
        self.conn, self.host, self.check, self.runs = conn, host, check, runs
        self.answer_changes = changes
        hosts, self.actions = db_steps.lookup(conn, [r.uuid for r in runs])
        for uuid, owner in hosts.items():
            if owner != host:
                raise exception.NotAllowedByHost(host=host, instance_uuid=uuid)

    def save_all(self, saving):
        """Each (run, save step) of ``saving`` (one per run): the saves of
        the same shape that set vm_state or task_state go together in one
        executemany; alone, or when not every row matched, one by one."""
        shapes = collections.defaultdict(list)
        for r, step in saving:
            updates = step['update']
            for part in step.get('parts', (updates,)):
                self.check(part)
            together = len(saving) > 1 and ('task_state' in updates or 'vm_state' in updates)
            shape = (tuple(sorted(updates)), step.get('check_task_state', False),
                     tuple(step.get('expected_task_state') or ()),
                     step.get('expected_vm_state')) if together else ('alone', id(r))
            shapes[shape].append((r, step))
        for group in shapes.values():
            if len(group) > 1 and self._save_together(group):
                continue
            for r, step in group:
                _save_one(self, r, step)

    def _save_together(self, group):
        """One executemany for ``group``; False when not every row matched
        (then each is saved again on its own: a save the executemany applied
        finds the states it set, as a repeated call's would)."""
        step = group[0][1]
        ts = db_steps.save_many(
            self.conn, [(r.uuid, s['update']) for r, s in group],
            step.get('expected_task_state'), expected_host=self.host,
            check_task_state=step.get('check_task_state', False),
            expected_vm_state=step.get('expected_vm_state'))
        if ts is None:
            return False
        for r, _step in group:
            r.changes['updated_at'] = ts
            r.saved = True
            _saved(r)
        return True

    def save(self, r, step):
        """``r``'s save ``step`` alone (``save_all`` checked it)."""
        updates = step['update']
        try:
            r.changes['updated_at'] = db_steps.save(
                self.conn, r.uuid, updates, step.get('expected_task_state'),
                expected_host=self.host, check_task_state=step.get('check_task_state', False),
                expected_vm_state=step.get('expected_vm_state'))
        except exception.UnexpectedTaskStateError as exc:
            # a call retried across a reconnect whose first try was applied
            # (merged saves: _applied_through tells which, and skips their events)
            states = {k: updates[k] for k in ('vm_state', 'task_state') if k in updates}
            seen = getattr(exc, 'states', None)
            if 'parts' in step or not (
                    states and seen and all(seen[k] == v for k, v in states.items())):
                raise
            r.read_back = True
        r.saved = True

    def end(self):
        """The events of every run, then the instances saved, read back
        (with ``changes``: only a repeated call's), or their changes."""
        db_steps.record_events(self.conn, self.host, [
            (r.uuid, r.request_id, [(e['event'], e['phase'], e.get('result'),
                                     e.get('traceback'), e.get('at')) for e in r.pending])
            for r in self.runs], self.actions)
        reread = [r for r in self.runs
                  if r.saved and (r.read_back or not self.answer_changes)]
        saved = db_steps.instances(self.conn, [r.uuid for r in reread])
        for r in reread:
            r.answer['instance'] = saved.get(r.uuid, r.answer['instance'])
        if self.answer_changes:
            for r in self.runs:
                r.answer['changes'] = r.changes


def run(host, items, check, changes=False):
    """Run ``items`` for compute ``host``; ``check(updates)`` raises when
    the host may not make that save (the conductor's rule).  ``changes``:
    answer with what the conductor set instead of the instances read back."""
    runs = [_Run(item) for item in items]
    with core_writer(immediate=True) as conn:
        call = _Call(conn, host, check, runs, changes)
        _advance(call, runs)
        by_node = collections.defaultdict(list)
        for r in runs:
            if r.claim is not None:
                by_node[r.claim].append(r)
        claimed = []
        for nodename, claiming in by_node.items():
            written = {}
            refused = db_hosts.instance_claims_in(conn, [r.uuid for r in claiming], host,
                                                  nodename, written)
            for r in claiming:
                r.changes.update(written.get(r.uuid, ()))
                if _claimed(r, refused[r.uuid]):
                    claimed.append(r)
        _advance(call, claimed)
        call.end()
    return [r.answer for r in runs]


def _claimed(r, exc):
    """The claim's event finished; True when the run goes on after it."""
    event = r.steps[r.pos].get('event')
    if event:
        r.pending.append({
            'event': event, 'phase': 'finish', 'result': 'Error' if exc else 'Success',
            'traceback': '%s: %s' % (type(exc).__name__, exc.format_message())
            if exc else None, 'at': now()})
    if exc is not None:
        r.fail(exc)
        return False
    r.pos += 1
    return True


def _advance(call, runs):
    """Run the steps of ``runs`` up to each one's claim (its event started)
    or end, in rounds: each round takes every run to its next save, and the
    round's saves go together where they can (``_Call.save_all``).  Each
    run's steps stay in their order.  Events are written when the call
    ends, each with the time of its step."""
    while runs:
        saving = [(r, step) for r in runs for step in [_to_save(r)] if step is not None]
        call.save_all(saving)
        runs = [r for r, _step in saving if r.pos < len(r.steps)]


def _to_save(r):
    """Take ``r``'s events up to its next save (returned), or its claim or
    end (None)."""
    while r.pos < len(r.steps):
        step = r.steps[r.pos]
        if 'events' in step:
            at = now()
            r.pending.extend(dict(e, at=at) for e in step['events'])
        elif 'claim' in step:
            if step.get('event'):
                r.pending.append({'event': step['event'], 'phase': 'start', 'at': now()})
            return None
        else:
            return _merged(r, step)
        r.pos += 1
    return None


def _merged(r, first):
    """The save ``first`` (``r``'s step at ``r.pos``) with the saves after
    it, up to its claim or end, that cannot fail once it is made: each
    expects only the states the saves before it set (a build's networking,
    block_device_mapping and spawning, when it has no network to wait for).
    In one transaction no one sees the states between, so one UPDATE sets
    them all, under ``first``'s conditions; it fails exactly when ``first``
    would.  ``r.through``: the index of the last save merged, if any."""
    updates, parts = dict(first['update']), [first['update']]
    for i in range(r.pos + 1, len(r.steps)):
        step = r.steps[i]
        if 'events' in step:
            continue
        if 'update' not in step or not _implied(step, updates):
            break
        updates.update(step['update'])
        parts.append(step['update'])
        r.through = i
    if r.through is None:
        return first
    return dict(first, update=updates, parts=parts)


_UNSET = object()


def _implied(step, updates):
    """Whether save ``step``'s conditions hold after ``updates`` were set
    (its host condition holds for all: the caller's own)."""
    if step.get('check_task_state') and (
            updates.get('task_state', _UNSET) not in (step.get('expected_task_state') or [None])):
        return False
    vm_state = step.get('expected_vm_state')
    return vm_state is None or updates.get('vm_state', _UNSET) == vm_state


def _saved(r):
    """``r`` past its save that succeeded, and past the saves merged into
    it, with the events between them."""
    if r.through is not None:
        at = now()
        for step in r.steps[r.pos + 1:r.through]:
            if 'events' in step:
                r.pending.extend(dict(e, at=at) for e in step['events'])
        r.pos, r.through = r.through, None
    r.pos += 1


def _save_one(call, r, step):
    """``r``'s save ``step`` on its own; a failed save ends the run unless
    it is a repeat of steps already applied."""
    try:
        call.save(r, step)
    except STEP_ERRORS as exc:
        r.through = None
        later = _applied_through(call.conn, r, exc)
        if later is None:
            r.fail(exc)
            return
        r.answer['instance'], r.pos = later
        r.saved = r.read_back = True
        r.changes = {}
        r.pending = []              # the events of the steps up to it were written too
    _saved(r)


def _applied_through(conn, r, exc):
    """(instance, index) when ``r`` is a repeat of steps already run (a
    call retried across a reconnect, or run by two conductors at once): the
    instance is in the states a later save of the same list sets, so the
    steps up to that save and the events after it were applied (claims
    included): the index of the last of them, else None."""
    if not isinstance(exc, exception.UnexpectedTaskStateError):
        return None
    inst = db_steps.instances(conn, [r.uuid]).get(r.uuid)
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
