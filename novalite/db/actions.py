"""Reads of instance actions and their events (os-instance-actions).

The writes (an action per API request, events from conductor and compute)
are in novalite/db/api.py.
"""
from sqlalchemy import select

from novalite.db.session import page, reader, row_dict
from novalite.db import models as m
from novalite import exception


def actions_get(instance_uuid, limit=None, marker=None, changes_since=None,
                changes_before=None):
    """The actions of an instance, newest first (Nova's order), paged by
    ``marker`` (a request id); the time filters apply to ``updated_at``."""
    with reader() as session:
        ia = m.InstanceAction
        q = select(ia).where(ia.instance_uuid == instance_uuid)
        updated = ia.updated_at
        if changes_since is not None:
            q = q.where(updated >= changes_since)
        if changes_before is not None:
            q = q.where(updated <= changes_before)
        rows = session.scalars(q.order_by(ia.created_at.desc(), ia.id.desc())).all()
        return [row_dict(r) for r in page(rows, 'request_id', marker, limit)]


def action_get_by_request_id(instance_uuid, request_id):
    with reader() as session:
        row = session.scalars(select(m.InstanceAction).where(
            m.InstanceAction.instance_uuid == instance_uuid,
            m.InstanceAction.request_id == request_id)
            .order_by(m.InstanceAction.id.desc())).first()
        if row is None:
            raise exception.InstanceActionNotFound(request_id=request_id)
        return row_dict(row)


def action_events_get(action_id):
    """Events of an action, newest first (as Nova returns them)."""
    with reader() as session:
        ev = m.InstanceActionEvent
        return [row_dict(e) for e in session.scalars(
            select(ev).where(ev.action_id == action_id)
            .order_by(ev.created_at.desc(), ev.id.desc()))]
