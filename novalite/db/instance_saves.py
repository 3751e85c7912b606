"""Conditional saves of instance rows, in the caller's transaction.

A save is one UPDATE whose WHERE holds its conditions (the task_state
expected, the host, the vm_state), so two writers never lose each other's
update and a save that does not match says why; several instances' saves
of one shape go in one executemany.
"""
import json

import sqlalchemy as sa
from sqlalchemy import select, update

from novalite.db import models as m
from novalite.db.session import now
from novalite import exception

JSON_INSTANCE_COLUMNS = {'flavor': None, 'network_info': [], 'security_groups': [],
                         'system_metadata': {}}


def instance_values(values):
    """Instance values as the columns take them (JSON columns encoded)."""
    out = dict(values)
    for col in JSON_INSTANCE_COLUMNS:
        if col in out and not isinstance(out[col], (str, type(None))):
            out[col] = json.dumps(out[col])
    out.pop('metadata', None)
    out.pop('build_spec', None)
    return out


# The conditional UPDATE of each shape of save, built once: building and
# keying a statement for each save cost about four times the CPU of
# executing a prepared one (measured on PostgreSQL).
_SAVES = {}


def save_statement(keys, states, with_host, with_vm_state):
    shape = (keys, states, with_host, with_vm_state)
    stmt = _SAVES.get(shape)
    if stmt is None:
        inst = m.Instance.__table__
        q = update(inst).where(inst.c.uuid == sa.bindparam('b_uuid'), inst.c.deleted == 0)
        if states is not None:
            q = q.where(sa.or_(*[inst.c.task_state.is_(None) if s is None
                                 else inst.c.task_state == s for s in states]))
        if with_host:
            q = q.where(inst.c.host == sa.bindparam('b_host'))
        if with_vm_state:
            q = q.where(inst.c.vm_state == sa.bindparam('b_vm_state'))
        stmt = q.values({k: sa.bindparam('v_' + k) for k in keys})
        if len(_SAVES) < 256:
            _SAVES[shape] = stmt
    return stmt


def instance_save_in(session, uuid, values, expected_task_state=None, expected_host=None,
                     check_task_state=False, expected_vm_state=None):
    """Update a live instance in ``session`` (one conditional UPDATE), without
    reading it back.

    With ``check_task_state`` the update only happens when task_state is one of
    ``expected_task_state`` (a list; None is a value); with ``expected_host``
    only when the instance belongs to that host.  A mismatch raises
    UnexpectedTaskStateError (its ``states``: the vm_state and task_state
    found) or NotAllowedByHost; a missing row InstanceNotFound.  Returns
    the ``updated_at`` it set.
    """
    inst = m.Instance.__table__
    ts = now()
    keys, params = _save_params(uuid, values, ts, expected_host, expected_vm_state)
    stmt = save_statement(keys, _expected_states(expected_task_state, check_task_state),
                          expected_host is not None, expected_vm_state is not None)
    if session.execute(stmt, params).rowcount == 1:
        return ts
    row = session.execute(select(inst.c.host, inst.c.vm_state, inst.c.task_state).where(
        inst.c.uuid == uuid, inst.c.deleted == 0)).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    if expected_host is not None and row.host != expected_host:
        raise exception.NotAllowedByHost(host=expected_host, instance_uuid=uuid)
    if expected_vm_state is not None and row.vm_state != expected_vm_state:
        error = exception.UnexpectedTaskStateError(
            instance_uuid=uuid, expected=expected_vm_state, actual=row.vm_state)
    else:
        error = exception.UnexpectedTaskStateError(
            instance_uuid=uuid, expected=expected_task_state, actual=row.task_state)
    # the states found, for a caller that tells a repeated save from a stale one
    error.states = {'vm_state': row.vm_state, 'task_state': row.task_state}
    raise error


def instance_save_many_in(session, saves, expected_task_state=None, expected_host=None,
                          check_task_state=False, expected_vm_state=None):
    """``instance_save_in`` for several instances at once: ``saves`` is a
    list of (uuid, values) that all set the same keys, under the same
    conditions, in one executemany.  Returns the ``updated_at`` it set when
    every row matched, else None: some may have been saved, and the caller
    saves each again on its own to tell which (a save that matched then
    finds the states it set)."""
    ts = now()
    shapes, rows = set(), []
    for uuid, values in saves:
        keys, params = _save_params(uuid, values, ts, expected_host, expected_vm_state)
        shapes.add(keys)
        rows.append(params)
    if len(shapes) != 1:
        raise ValueError('saves of one executemany must set the same keys')
    stmt = save_statement(shapes.pop(), _expected_states(expected_task_state, check_task_state),
                          expected_host is not None, expected_vm_state is not None)
    return ts if session.execute(stmt, rows).rowcount == len(rows) else None


def _save_params(uuid, values, ts, expected_host, expected_vm_state):
    """(the keys a save sets, its statement's parameters)."""
    values = instance_values(values)
    values['updated_at'] = ts
    params = {'v_' + k: v for k, v in values.items()}
    params.update(b_uuid=uuid, b_host=expected_host, b_vm_state=expected_vm_state)
    return tuple(sorted(values)), params


def _expected_states(expected_task_state, check_task_state):
    return tuple(expected_task_state or [None]) if check_task_state else None
