"""The key_pairs table: one user's named public keys, soft-deleted."""
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, update

from novalite.db.session import now, reader, row_dict, writer
from novalite.db import models as m
from novalite.db import quotas as db_quotas
from novalite import exception


def _live(user_id):
    return select(m.KeyPair).where(m.KeyPair.user_id == user_id, m.KeyPair.deleted == 0)


def key_pair_get(user_id, name):
    with reader() as session:
        row = session.scalars(_live(user_id).where(m.KeyPair.name == name)).first()
        if row is None:
            raise exception.KeypairNotFound(name=name, user_id=user_id)
        return row_dict(row)


def key_pair_get_all_by_user(user_id, limit=None, marker=None):
    """The user's key pairs by name, after the ``marker`` name."""
    with reader() as session:
        q = _live(user_id).order_by(m.KeyPair.name)
        if marker is not None:
            if session.scalars(_live(user_id).where(m.KeyPair.name == marker)).first() is None:
                raise exception.MarkerNotFound(marker=marker)
            q = q.where(m.KeyPair.name > marker)
        if limit is not None:
            q = q.limit(limit)
        return [row_dict(r) for r in session.scalars(q)]


def _count(session, user_id):
    return session.scalar(select(func.count(m.KeyPair.id)).where(
        m.KeyPair.user_id == user_id, m.KeyPair.deleted == 0))


def key_pair_create(values, check_quota):
    """Insert a key pair; ``check_quota(count)`` sees the user's count under
    the user's quota lock and raises when one more is too many."""
    user_id = values['user_id']
    try:
        with db_quotas.owner_locked('user:%s' % user_id) as session:
            if session.scalars(_live(user_id).where(m.KeyPair.name == values['name'])).first():
                raise exception.KeyPairExists(key_name=values['name'])
            check_quota(_count(session, user_id))
            row = m.KeyPair(**values)
            session.add(row)
            session.flush()
            return row_dict(row)
    except sa_exc.IntegrityError:
        raise exception.KeyPairExists(key_name=values['name'])


def key_pair_destroy(user_id, name):
    with writer() as session:
        row = session.scalars(_live(user_id).where(m.KeyPair.name == name)).first()
        if row is None:
            raise exception.KeypairNotFound(name=name, user_id=user_id)
        session.execute(update(m.KeyPair).where(m.KeyPair.id == row.id).values(
            deleted=row.id, deleted_at=now()))
