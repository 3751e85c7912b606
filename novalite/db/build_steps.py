"""The database side of a compute's build steps (conductor/instance_steps.py):
the saves and instance-action events of many instances in the caller's one
transaction, in Core statements.

Per call the conductor used to open a transaction for each save (an UPDATE,
then the row and its metadata read back) and one for each instance's events
(the action looked up again for every event, ORM objects flushed).  Here a
save is one conditional UPDATE; the events of all the instances are written
together at the end (one SELECT of their actions, one of the events they
finish, one multi-row INSERT, the UPDATEs), and the instances saved are read
back once, in one SELECT.
"""
from sqlalchemy import bindparam, insert, select, update

from novalite.db import api as db_api
from novalite.db import models as m
from novalite.db.session import now

_EV, _ACT = m.InstanceActionEvent.__table__, m.InstanceAction.__table__


# a save step: db.api's conditional UPDATE in the caller's transaction
save = db_api.instance_save_in


def instances(session, uuids):
    """{uuid: Instance} of the live instances among ``uuids`` (one SELECT,
    and one of their metadata)."""
    if not uuids:
        return {}
    rows = session.scalars(select(m.Instance).where(
        m.Instance.uuid.in_(list(uuids)), m.Instance.deleted == 0)).all()
    return {i.uuid: i for i in db_api._instances(session, rows)}


def record_events(session, host, batches):
    """Write instance-action events: ``batches`` is a list of
    ``(instance uuid, request id, [(event, phase, result, traceback)])``.
    Each event goes to the instance's action of that request (else its
    newest action), as ``db.api.action_event_start``/``_finish`` do: a start
    adds an event and touches the action; a finish completes the newest
    open event of that name (or adds a finished one) and finishes the
    action, marking it Error on an Error result."""
    batches = [b for b in batches if b[2]]
    if not batches:
        return
    actions = _actions(session, {u for u, _r, _e in batches})
    ts = now()
    new, finish, action_values = [], {}, {}
    wanted = set()                 # (action id, event name) finished from the database
    for uuid, request_id, events in batches:
        action_id = actions.get((uuid, request_id)) or actions.get((uuid, None))
        if action_id is None:
            continue
        for event, phase, result, traceback in events:
            vals = action_values.setdefault(action_id, {'updated_at': ts})
            if phase == 'start':
                new.append({'action_id': action_id, 'event': event, 'start_time': ts,
                            'host': host, 'finish_time': None, 'result': None,
                            'traceback': None})
                continue
            done = {'finish_time': ts, 'result': result, 'traceback': traceback}
            vals['finish_time'] = ts
            if result == 'Error':
                vals['message'] = 'Error'
            opened = next((e for e in reversed(new) if e['action_id'] == action_id and
                           e['event'] == event and e['finish_time'] is None), None)
            if opened is not None:
                opened.update(done)
            else:
                wanted.add((action_id, event))
                finish.setdefault((action_id, event), []).append(
                    (done, dict(done, action_id=action_id, event=event, start_time=ts,
                                host=host)))
    _finish_from_db(session, finish, wanted, new)
    if new:
        session.execute(insert(_EV), [dict(e, created_at=ts, deleted=0) for e in new])
    _update_actions(session, action_values)


def _actions(session, uuids):
    """{(uuid, request id): id of its newest action} and {(uuid, None): the
    newest action of the instance}."""
    out = {}
    for aid, uuid, request_id in session.execute(
            select(_ACT.c.id, _ACT.c.instance_uuid, _ACT.c.request_id).where(
                _ACT.c.instance_uuid.in_(list(uuids))).order_by(_ACT.c.id)):
        out[uuid, request_id] = aid
        out[uuid, None] = aid
    return out


def _finish_from_db(session, finish, wanted, new):
    """Finish events started by an earlier call: each finish takes the
    newest open event of its name; none left: a finished event is added."""
    if not wanted:
        return
    open_ids = {}
    for eid, aid, event in session.execute(
            select(_EV.c.id, _EV.c.action_id, _EV.c.event).where(
                _EV.c.action_id.in_(list({a for a, _e in wanted})),
                _EV.c.finish_time.is_(None)).order_by(_EV.c.id)):
        if (aid, event) in wanted:
            open_ids.setdefault((aid, event), []).append(eid)
    updates = []
    for key, finishes in finish.items():
        ids = open_ids.get(key, [])
        for done, row in finishes:
            if ids:
                updates.append({'eid': ids.pop(), 'b_finish': done['finish_time'],
                                'b_result': done['result'], 'b_tb': done['traceback']})
            else:
                new.append(row)
    if updates:
        session.execute(update(_EV).where(_EV.c.id == bindparam('eid')).values(
            finish_time=bindparam('b_finish'), result=bindparam('b_result'),
            traceback=bindparam('b_tb'), updated_at=now()), updates)


def _update_actions(session, action_values):
    by_shape = {}
    for aid, vals in action_values.items():
        by_shape.setdefault(tuple(sorted(vals)), []).append(
            dict({'b_' + k: v for k, v in vals.items()}, aid=aid))
    for keys, params in by_shape.items():
        session.execute(update(_ACT).where(_ACT.c.id == bindparam('aid')).values(
            **{k: bindparam('b_' + k) for k in keys}), params)
