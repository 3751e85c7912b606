"""Build requests: what each build needs to be driven again, and its attempt.

The API writes one row per instance in the transaction that creates the
instance (so nothing is accepted that cannot be rebuilt from the database);
the conductor records each cast in it and, when a build makes no progress for
``[conductor] build_resume_deadline`` seconds, claims a new attempt with one
conditional UPDATE (only one conductor wins) and drives the build again.
"""
import json

import sqlalchemy as sa
from sqlalchemy import delete, select, update

from novalite.compute import vm_states
from novalite.db.api import _instances
from novalite.db.session import now, reader, writer
from novalite.db import models as m
from novalite.objects import base as obj_base


def encode_spec(spec):
    return json.dumps(obj_base.serialize(spec))


def add_many_in(conn, requests, ts):
    """The build requests of new instances in the caller's transaction (its
    Core connection), one multi-row INSERT: ``requests`` are (instance_uuid,
    project_id, encoded spec)."""
    if requests:
        conn.execute(sa.insert(m.BuildRequest.__table__), [
            {'instance_uuid': uuid, 'project_id': project_id, 'attempt': 0,
             'created_at': ts, 'spec': spec} for uuid, project_id, spec in requests])


def _as_dict(row):
    return {'instance_uuid': row.instance_uuid, 'attempt': row.attempt,
            'spec': obj_base.deserialize(json.loads(row.spec)),
            'updated_at': row.updated_at or row.created_at}


def get(instance_uuid):
    """The build request of ``instance_uuid`` as a dict, or None."""
    with reader() as session:
        row = session.scalars(select(m.BuildRequest).where(
            m.BuildRequest.instance_uuid == instance_uuid)).first()
        return _as_dict(row) if row is not None else None


def record_casts(conn, casts):
    """Merge each cast's ``updates`` (selection, alternates,
    filter_properties) into its build's spec, only while its attempt is
    current (else a newer drive owns the build and it must not be cast); in
    the caller's transaction.  ``casts``: each
    ``(uuid, attempt, spec as stored, updates)`` (as
    ``db.build_steps.drive_lookup`` reads them), with attempt
    None for a build without a request.  Returns the uuids that may be cast
    (their attempt still current).  One executemany; when not every row
    matched, each again on its own to tell which (a row that matched
    matches again and gets the same spec)."""
    ok, decoded, params = set(), {}, []
    ts = now()
    for uuid, attempt, stored, updates in casts:
        if attempt is None:
            ok.add(uuid)         # built before build requests existed
            continue
        if stored not in decoded:     # a request's builds share one spec
            decoded[stored] = json.loads(stored)
        spec = dict(decoded[stored])
        spec.update(obj_base.serialize(updates))
        params.append({'b_uuid': uuid, 'b_attempt': attempt, 'b_spec': json.dumps(spec),
                       'b_ts': ts})
    if params and conn.execute(_RECORD_CAST, params).rowcount == len(params):
        return ok | {p['b_uuid'] for p in params}
    for p in params:
        if conn.execute(_RECORD_CAST, p).rowcount == 1:
            ok.add(p['b_uuid'])
    return ok


# built once (every build_instances writes them)
_RECORD_CAST = update(m.BuildRequest.__table__).where(
    m.BuildRequest.instance_uuid == sa.bindparam('b_uuid'),
    m.BuildRequest.attempt == sa.bindparam('b_attempt')).values(
    spec=sa.bindparam('b_spec'), updated_at=sa.bindparam('b_ts'))
_TOUCH = update(m.BuildRequest.__table__).where(
    m.BuildRequest.instance_uuid.in_(sa.bindparam('b_uuids', expanding=True))).values(
    updated_at=sa.bindparam('b_ts'))


def touch(instance_uuids):
    """Mark builds as being driven (one UPDATE): a conductor still working
    through a large request keeps its builds from looking stalled."""
    with writer() as session:
        return touch_in(session, instance_uuids)


def touch_in(conn, instance_uuids):
    """``touch`` in the caller's transaction."""
    if not instance_uuids:
        return 0
    return conn.execute(_TOUCH, {'b_uuids': list(instance_uuids), 'b_ts': now()}).rowcount


def touch_on_host(instance_uuids, host):
    """``touch`` for the builds of ``instance_uuids`` that are on ``host``
    and still building (a compute marks the builds it holds: queued behind
    max_concurrent_builds or running).  Returns how many were touched."""
    if not instance_uuids:
        return 0
    inst = m.Instance
    on_host = select(inst.uuid).where(inst.uuid.in_(list(instance_uuids)), inst.host == host,
                                      inst.deleted == 0, inst.vm_state == vm_states.BUILDING)
    with writer() as session:
        return session.execute(update(m.BuildRequest).where(
            m.BuildRequest.instance_uuid.in_(on_host)).values(
            updated_at=now()).execution_options(synchronize_session=False)).rowcount


def claim_attempt(instance_uuid, seen_attempt):
    """Start a new drive of the build; True for exactly one caller."""
    with writer() as session:
        return session.execute(update(m.BuildRequest).where(
            m.BuildRequest.instance_uuid == instance_uuid,
            m.BuildRequest.attempt == seen_attempt).values(
            attempt=seen_attempt + 1, updated_at=now())).rowcount == 1


def stalled(cutoff, created_before=None):
    """(instance, build request) of the live building instances that neither
    changed nor were driven since ``cutoff``, and those created before
    ``created_before`` however alive they look (past the build timeout: a
    compute that keeps marking a build that never ends keeps it from looking
    stalled, not from timing out)."""
    br, inst = m.BuildRequest, m.Instance
    due = sa.and_(sa.func.coalesce(inst.updated_at, inst.created_at) < cutoff,
                  sa.func.coalesce(br.updated_at, br.created_at) < cutoff)
    if created_before is not None:
        due = sa.or_(due, inst.created_at < created_before)
    with reader() as session:
        rows = session.execute(select(inst, br).join(
            br, br.instance_uuid == inst.uuid).where(
            inst.deleted == 0, inst.vm_state == vm_states.BUILDING, due)
            .order_by(inst.created_at)).all()
        instances = _instances(session, [r[0] for r in rows])
        return list(zip(instances, [_as_dict(r[1]) for r in rows]))


def purge_finished():
    """Drop the build requests of instances that are no longer building."""
    br, inst = m.BuildRequest, m.Instance
    building = select(inst.uuid).where(inst.deleted == 0,
                                       inst.vm_state == vm_states.BUILDING)
    with writer() as session:
        return session.execute(delete(br).where(br.instance_uuid.not_in(building))
                               .execution_options(synchronize_session=False)).rowcount
