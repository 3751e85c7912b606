"""The database side of a compute's build steps (conductor/instance_steps.py)
and of the conductor's hand-over: the saves and instance-action events of
many instances in the caller's one transaction, in Core statements (on a
Core connection or a Session alike).

A save is one conditional UPDATE; the events of all the instances are
written together at the end (one SELECT of their actions unless the caller
looked them up already, one of the open events they finish, one multi-row
INSERT, the UPDATEs), and the instances saved are read back once, in one
SELECT with their metadata.
"""
from sqlalchemy import and_, bindparam, insert, select, update

from novalite.compute import task_states, vm_states
from novalite.db import api as db_api
from novalite.db import instance_saves
from novalite.db import models as m
from novalite.db.session import now
from novalite import exception

_EV, _ACT = m.InstanceActionEvent.__table__, m.InstanceAction.__table__
_INST, _MD = m.Instance.__table__, m.InstanceMetadata.__table__


# a save step: db.api's conditional UPDATE in the caller's transaction;
# several instances' saves of one shape: one executemany
save = instance_saves.instance_save_in
save_many = instance_saves.instance_save_many_in


# The statements of the hot path, built once (see db.instance_saves.save_statement).
_UUIDS = bindparam('uuids', expanding=True)
_LOOKUP = select(_INST.c.uuid, _INST.c.host, _INST.c.deleted, _ACT.c.id,
                 _ACT.c.request_id).select_from(
    _INST.outerjoin(_ACT, _ACT.c.instance_uuid == _INST.c.uuid)).where(
    _INST.c.uuid.in_(_UUIDS)).order_by(_ACT.c.id)
_MD_KEY, _MD_VALUE = _MD.c.key.label('md_key'), _MD.c.value.label('md_value')
_INSTANCES = select(_INST, _MD_KEY, _MD_VALUE).select_from(
    _INST.outerjoin(_MD, and_(_MD.c.instance_uuid == _INST.c.uuid, _MD.c.deleted == 0))).where(
    _INST.c.uuid.in_(_UUIDS), _INST.c.deleted == 0)
_ACTIONS = select(_ACT.c.id, _ACT.c.instance_uuid, _ACT.c.request_id).where(
    _ACT.c.instance_uuid.in_(_UUIDS)).order_by(_ACT.c.id)
_OPEN_EVENTS = select(_EV.c.id, _EV.c.action_id, _EV.c.event).where(
    _EV.c.action_id.in_(bindparam('aids', expanding=True)),
    _EV.c.finish_time.is_(None)).order_by(_EV.c.id)
_FINISH_EVENT = update(_EV).where(_EV.c.id == bindparam('eid')).values(
    finish_time=bindparam('b_finish'), result=bindparam('b_result'),
    traceback=bindparam('b_tb'), updated_at=bindparam('b_updated'))
_FINISH_OPEN = _FINISH_EVENT.where(_EV.c.finish_time.is_(None))
_BR = m.BuildRequest.__table__
_DRIVE = select(_INST.c.uuid, _BR.c.attempt, _BR.c.spec, _ACT.c.id,
                _ACT.c.request_id).select_from(
    _INST.outerjoin(_BR, _BR.c.instance_uuid == _INST.c.uuid).outerjoin(
        _ACT, _ACT.c.instance_uuid == _INST.c.uuid)).where(
    _INST.c.uuid.in_(_UUIDS)).order_by(_ACT.c.id)
_NEW_EVENTS = insert(_EV)
_ACTION_UPDATES = {}      # the keys it sets -> UPDATE of instance_actions


def hand_over(conn, placed, ts):
    """The uuids of ``placed`` ((uuid, host) of instances the conductor
    handed to their selected host) whose instance took its host, still
    scheduling, at ``ts``: the save the conductor makes for each, as one
    executemany.  When not every row matched (an instance deleted or no
    longer scheduling meanwhile), each is saved again on its own to tell
    which: a save that matched matches again, and changes nothing more."""
    if not placed:
        return set()
    stmt = instance_saves.save_statement(_HAND_OVER_KEYS, (task_states.SCHEDULING,), False, True)
    params = [dict({'v_' + k: v for k, v in _handed(host, ts).items()},
                   b_uuid=uuid, b_vm_state=vm_states.BUILDING)
              for uuid, host in placed]
    if conn.execute(stmt, params).rowcount == len(params):
        return {uuid for uuid, _host in placed}
    saved = set()
    for uuid, host in placed:
        try:
            save(conn, uuid, {'host': host, 'node': None,
                              'task_state': task_states.SCHEDULING},
                 [task_states.SCHEDULING], check_task_state=True,
                 expected_vm_state=vm_states.BUILDING)
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError):
            continue
        saved.add(uuid)
    return saved


_HAND_OVER_KEYS = ('host', 'node', 'task_state', 'updated_at')


def _handed(host, ts):
    """What the hand-over sets (``_HAND_OVER_KEYS``), on a building instance."""
    return {'host': host, 'node': None, 'task_state': task_states.SCHEDULING,
            'updated_at': ts}


def as_handed(instance, host, ts):
    """``instance`` as ``hand_over`` saved it to ``host`` at ``ts``."""
    values = dict(instance.as_dict(), vm_state=vm_states.BUILDING, **_handed(host, ts))
    return type(instance).from_values(values)


def lookup(conn, uuids):
    """({uuid: host} of the live instances among ``uuids``, their actions as
    ``actions_of`` gives them), in one SELECT."""
    hosts, actions = {}, {}
    for uuid, host, deleted, aid, request_id in conn.execute(_LOOKUP,
                                                             {'uuids': list(uuids)}):
        if not deleted:
            hosts[uuid] = host
        _note_action(actions, uuid, aid, request_id)
    return hosts, actions


def drive_lookup(conn, uuids):
    """What the conductor's drive of the builds of ``uuids`` reads first,
    in one SELECT: ({uuid: (attempt, spec as stored)} of the build requests
    there are, for ``db.builds.record_casts``; the instances' actions, as
    ``actions_of`` gives them)."""
    builds, actions = {}, {}
    for uuid, attempt, spec, aid, request_id in conn.execute(_DRIVE, {'uuids': list(uuids)}):
        if attempt is not None:
            builds[uuid] = (attempt, spec)
        _note_action(actions, uuid, aid, request_id)
    return builds, actions


def start_events(conn, host, event, starts, actions):
    """Start ``event`` for each ``(uuid, request id)`` of ``starts`` (in the
    action of that request, else the instance's newest), each action
    touched as ``record_events`` does: {uuid: the new event's id}, for
    ``finish_events``.  One INSERT returning the ids."""
    ts, rows, touched = now(), [], {}
    for uuid, request_id in starts:
        aid = actions.get((uuid, request_id)) or actions.get((uuid, None))
        if aid is not None:
            rows.append((uuid, dict(_started(aid, event, ts, host), created_at=ts, deleted=0)))
            touched[aid] = {'updated_at': ts}
    if not rows:
        return {}
    ids = db_api._insert_returning_ids(conn, _EV, [row for _u, row in rows])
    _update_actions(conn, touched)
    return {uuid: (row['action_id'], eid) for (uuid, row), eid in zip(rows, ids)}


def finish_events(conn, opened):
    """Finish, with Success, the events ``start_events`` opened (``opened``:
    its answer, or part of it) that are still open, and their actions, as
    ``record_events`` finishes an event: one UPDATE of each table.  (A
    failed build's event is finished by ``fail_build``.)"""
    if not opened:
        return
    ts = now()
    conn.execute(_FINISH_OPEN, [{'eid': eid, 'b_finish': ts, 'b_result': 'Success',
                                 'b_tb': None, 'b_updated': ts}
                                for _aid, eid in opened.values()])
    done = {'updated_at': ts, 'finish_time': ts}
    _update_actions(conn, {aid: done for aid, _eid in opened.values()})


def instances(conn, uuids):
    """{uuid: Instance} of the live instances among ``uuids`` (one SELECT
    with their metadata)."""
    if not uuids:
        return {}
    values, metadata = {}, {}
    for row in conn.execute(_INSTANCES, {'uuids': list(uuids)}).mappings():
        uuid = row['uuid']
        if uuid not in values:
            values[uuid] = {c.name: row[c] for c in _INST.columns}
            metadata[uuid] = {}
        if row['md_key'] is not None:
            metadata[uuid][row['md_key']] = row['md_value']
    return {u: db_api._instance_from_values(v, metadata[u]) for u, v in values.items()}


def record_events(conn, host, batches, actions=None):
    """Write instance-action events: ``batches`` is a list of
    ``(instance uuid, request id, [(event, phase, result, traceback[, at])])``
    (``at``: when it happened, else now).  Each event goes to the
    instance's action of that request (else its newest action), as
    ``db.api.action_event_start``/``_finish`` do: a start adds an event and
    touches the action; a finish completes the newest open event of that
    name (or adds a finished one) and finishes the action, marking it Error
    on an Error result.  ``actions``: what ``lookup`` found, if the caller
    did."""
    batches = [b for b in batches if b[2]]
    if not batches:
        return
    if actions is None:
        actions = actions_of(conn, {u for u, _r, _e in batches})
    ts = now()
    new, finish, action_values = [], {}, {}
    wanted = set()                 # (action id, event name) finished from the database
    for uuid, request_id, events in batches:
        action_id = actions.get((uuid, request_id)) or actions.get((uuid, None))
        if action_id is None:
            continue
        for event, phase, result, traceback, *at in events:
            at = at[0] if at and at[0] is not None else ts
            vals = action_values.setdefault(action_id, {'updated_at': ts})
            if phase == 'start':
                new.append(_started(action_id, event, at, host))
                continue
            done = {'finish_time': at, 'result': result, 'traceback': traceback}
            vals['finish_time'] = at
            if result == 'Error':
                vals['message'] = 'Error'
            opened = next((e for e in reversed(new) if e['action_id'] == action_id and
                           e['event'] == event and e['finish_time'] is None), None)
            if opened is not None:
                opened.update(done)
            else:
                wanted.add((action_id, event))
                finish.setdefault((action_id, event), []).append(
                    (done, dict(done, action_id=action_id, event=event, start_time=at,
                                host=host)))
    _finish_from_db(conn, finish, wanted, new)
    if new:
        conn.execute(_NEW_EVENTS, [dict(e, created_at=ts, deleted=0) for e in new])
    _update_actions(conn, action_values)


def _started(action_id, event, at, host):
    """An event row started ``at``, not finished."""
    return {'action_id': action_id, 'event': event, 'start_time': at, 'host': host,
            'finish_time': None, 'result': None, 'traceback': None}


def actions_of(conn, uuids):
    """{(uuid, request id): id of its newest action} and {(uuid, None): the
    newest action of the instance}."""
    out = {}
    for aid, uuid, request_id in conn.execute(_ACTIONS, {'uuids': list(uuids)}):
        _note_action(out, uuid, aid, request_id)
    return out


def _note_action(actions, uuid, aid, request_id):
    """Add an action row (read in id order: the newest one wins) to the
    map ``actions_of`` describes; ``aid`` None (no action) adds nothing."""
    if aid is not None:
        actions[uuid, request_id] = aid
        actions[uuid, None] = aid


def _finish_from_db(conn, finish, wanted, new):
    """Finish events started by an earlier call: each finish takes the
    newest open event of its name; none left: a finished event is added."""
    if not wanted:
        return
    open_ids = {}
    for eid, aid, event in conn.execute(_OPEN_EVENTS,
                                        {'aids': list({a for a, _e in wanted})}):
        if (aid, event) in wanted:
            open_ids.setdefault((aid, event), []).append(eid)
    updates, ts = [], now()
    for key, finishes in finish.items():
        ids = open_ids.get(key, [])
        for done, row in finishes:
            if ids:
                updates.append({'eid': ids.pop(), 'b_finish': done['finish_time'],
                                'b_result': done['result'], 'b_tb': done['traceback'],
                                'b_updated': ts})
            else:
                new.append(row)
    if updates:
        conn.execute(_FINISH_EVENT, updates)


def _update_actions(conn, action_values):
    by_shape = {}
    for aid, vals in action_values.items():
        by_shape.setdefault(tuple(sorted(vals)), []).append(
            dict({'b_' + k: v for k, v in vals.items()}, aid=aid))
    for keys, params in by_shape.items():
        stmt = _ACTION_UPDATES.get(keys)
        if stmt is None:
            stmt = _ACTION_UPDATES[keys] = update(_ACT).where(
                _ACT.c.id == bindparam('aid')).values(**{k: bindparam('b_' + k) for k in keys})
        conn.execute(stmt, params)
