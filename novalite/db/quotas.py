"""Quota limits (the ``quotas`` table), counted usage, and the per-owner lock
that makes a check and the write it guards one atomic step.

The lock is an UPDATE of the owner's ``quota_locks`` row, issued as the
first statement of the transaction that also counts usage and writes:

* PostgreSQL and MariaDB/InnoDB take the row lock; a second transaction of
  the same owner waits on it until the first commits.  Counting comes after
  the lock, so it reads what the first one committed (PostgreSQL's READ
  COMMITTED takes a snapshot per statement; InnoDB's REPEATABLE READ takes
  its snapshot at the first plain read, which is after the lock).
* SQLite: the first write of a transaction takes the database's write lock
  (waiting up to busy_timeout), so the whole check-and-write is serialized.
"""
import contextlib

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, update

from novalite.db import api as db_api
from novalite.db.session import reader, writer
from novalite.db import models as m
from novalite.db import oneshot


# -- limits ---------------------------------------------------------------------
def quota_get_project(project_id):
    """{resource: hard_limit} overrides of one project (one statement, no
    transaction: oneshot)."""
    return dict(oneshot.read(_OVERRIDES, {'project_id': project_id}))


_OVERRIDES = select(m.Quota.resource, m.Quota.hard_limit).where(
    m.Quota.project_id == sa.bindparam('project_id'))


def _overrides(session, project_id):
    return {q.resource: q.hard_limit for q in session.scalars(
        select(m.Quota).where(m.Quota.project_id == project_id))}


def quota_set_project(project_id, limits):
    """Create or update the project's overrides {resource: hard_limit}."""
    with owner_locked('project:%s' % project_id) as session:
        current = _overrides(session, project_id)
        for resource, limit in limits.items():
            if resource in current:
                session.execute(update(m.Quota).where(
                    m.Quota.project_id == project_id, m.Quota.resource == resource)
                    .values(hard_limit=limit))
            else:
                session.add(m.Quota(project_id=project_id, resource=resource,
                                    hard_limit=limit))


def quota_destroy_all_by_project(project_id):
    with writer() as session:
        session.execute(sa.delete(m.Quota).where(m.Quota.project_id == project_id))


# -- usage ----------------------------------------------------------------------
def _instance_usage(session, project_id):
    q = select(func.count(m.Instance.id), func.coalesce(func.sum(m.Instance.vcpus), 0),
               func.coalesce(func.sum(m.Instance.memory_mb), 0)).where(
        m.Instance.project_id == project_id, m.Instance.deleted == 0)
    count, cores, ram = session.execute(q).one()
    return {'instances': int(count), 'cores': int(cores), 'ram': int(ram)}


def project_usage(project_id):
    """Live instances, cores and ram of a project (Nova counts, never tracks)."""
    with reader() as session:
        return _instance_usage(session, project_id)


# -- the lock ---------------------------------------------------------------------
def _create_lock_row(owner):
    """Insert the owner's lock row (its own transaction: a racing insert's
    IntegrityError must not abort the caller's transaction)."""
    try:
        with writer() as session:
            session.add(m.QuotaLock(owner=owner, generation=0))
    except sa_exc.IntegrityError:
        pass      # another request created it first


def _lock(session, owner):
    """Take ``owner``'s lock in ``session``; False when it has no lock row."""
    return session.execute(update(m.QuotaLock).where(m.QuotaLock.owner == owner)
                           .values(generation=m.QuotaLock.generation + 1)).rowcount == 1


@contextlib.contextmanager
def owner_locked(owner):
    """A write transaction holding ``owner``'s quota lock until it ends.
    The owner's first request creates the lock row, then locks it."""
    with writer() as session:
        if _lock(session, owner):
            yield session
            return
    _create_lock_row(owner)
    with writer() as session:
        _lock(session, owner)
        yield session


def instance_create_within_quota(ctx, decide, build_rows):
    """Create instances of ``ctx.project_id`` with the quota check inside the
    creating transaction: ``decide(usage)`` returns how many may be created
    (or raises), ``build_rows(count)`` the rows to insert."""
    with owner_locked('project:%s' % ctx.project_id) as session:
        count = decide(_instance_usage(session, ctx.project_id))
        return db_api.instance_create_many_in(session, ctx, build_rows(count))


def instance_create_unlimited(ctx, rows):
    """Create instances of a project with no instances/cores/ram limit: no
    lock and no count (nothing could go over)."""
    with writer() as session:
        return db_api.instance_create_many_in(session, ctx, rows)
