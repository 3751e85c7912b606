"""The service_keys table: enrolled services' public keys."""
from sqlalchemy import delete, select, update

from novalite.db.session import now, reader, row_dict, writer
from novalite.db import models as m


def service_key_set(binary, host, public_key):
    """Enrol (or re-enrol: a new key replaces the old one)."""
    with writer() as session:
        q = update(m.ServiceKey).where(m.ServiceKey.binary == binary, m.ServiceKey.host == host)
        if session.execute(q.values(public_key=public_key, updated_at=now())).rowcount == 0:
            session.add(m.ServiceKey(binary=binary, host=host, public_key=public_key))


def service_key_get(binary, host):
    """The public key (text) or None."""
    with reader() as session:
        return session.scalar(select(m.ServiceKey.public_key).where(
            m.ServiceKey.binary == binary, m.ServiceKey.host == host))


def service_key_get_all(binaries=None):
    with reader() as session:
        q = select(m.ServiceKey).order_by(m.ServiceKey.id)
        if binaries:
            q = q.where(m.ServiceKey.binary.in_(binaries))
        return [row_dict(r) for r in session.scalars(q)]


def service_key_delete(binary, host):
    with writer() as session:
        return session.execute(delete(m.ServiceKey).where(
            m.ServiceKey.binary == binary, m.ServiceKey.host == host)).rowcount
