"""The database session: one engine per process and the transaction helpers
every ``novalite.db`` module uses.

``writer()`` and ``reader()`` yield a SQLAlchemy Session inside a transaction
(committed on success, rolled back on error), ``core_writer()`` a Core
connection; nothing outside ``novalite.db`` sees a Session or a connection.
novalite-compute replaces ``get_engine`` with a guard that raises (it has no
database credentials).
"""
import contextlib
import datetime
import functools
import threading
import time

import sqlalchemy as sa
from oslo_config import cfg
from sqlalchemy import event
from sqlalchemy.orm import Session

from novalite import exception

CONF = cfg.CONF

_ENGINE = None
_ENGINE_LOCK = threading.Lock()


def now():
    """UTC now, naive (the columns are timezone-less, as Nova's)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def get_engine():
    """The process's engine for ``[database] connection``, made on first use."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = create_engine(CONF.database.connection)
        return _ENGINE


def dispose_engine():
    """Close the pool and forget the engine (tests, config reloads)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is not None:
            _ENGINE.dispose()
        _ENGINE = None


def create_engine(url):
    if url.startswith('sqlite'):
        engine = sa.create_engine(url, connect_args={'check_same_thread': False,
                                                     'timeout': 30})

        @event.listens_for(engine, 'connect')
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute('PRAGMA journal_mode=WAL')
            cur.execute('PRAGMA synchronous=NORMAL')
            cur.execute('PRAGMA busy_timeout=30000')
            cur.close()
        return engine
    engine = sa.create_engine(url, pool_size=CONF.database.max_pool_size,
                              max_overflow=CONF.database.max_overflow)
    _ping_when_idle(engine)
    return engine


# A pooled connection idle for longer than this is checked before use.
PING_AFTER_IDLE = 1.0


def _ping_when_idle(engine):
    """What ``pool_pre_ping`` does, only for a connection that sat in the pool
    for PING_AFTER_IDLE seconds: ``pool_pre_ping`` pinged at every checkout,
    one more round trip per transaction (21 % of a POST's wall time at
    concurrency 10, measured).  A connection in constant use needs no ping:
    the first disconnect error invalidates the whole pool (SQLAlchemy), as it
    did for a connection that broke between its ping and its use."""
    @event.listens_for(engine, 'checkin')
    def _checkin(_dbapi_conn, record):
        record.info['idle_since'] = time.monotonic()

    @event.listens_for(engine, 'checkout')
    def _checkout(dbapi_conn, record, _proxy):
        since = record.info.pop('idle_since', None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception:  # noqa: BLE001 - any failure: a fresh connection
            alive = False
        if not alive:
            # the pool discards this connection and checks out another
            raise sa.exc.DisconnectionError()


@contextlib.contextmanager
def writer():
    """A session in a transaction, committed on success."""
    with Session(get_engine(), expire_on_commit=False) as session:
        with session.begin():
            yield session


reader = writer


@contextlib.contextmanager
def write_transaction():
    """A writer session; on SQLite the transaction starts with BEGIN
    IMMEDIATE, so it holds the write lock from its first statement (pysqlite
    would begin only at the first INSERT, and a SAVEPOINT before that would
    turn its RELEASE into a COMMIT).  Where a read decides a write (the
    claim, IPAM) this is what SELECT ... FOR UPDATE is elsewhere."""
    with writer() as session:
        if session.get_bind().dialect.name == 'sqlite':
            session.execute(sa.text('BEGIN IMMEDIATE'))
        yield session

@contextlib.contextmanager
def core_writer(immediate=False):
    """A Core connection in a transaction, committed on success: ``writer()``
    without the ORM Session, for the conductor's hot path (the Session's own
    bookkeeping cost about half a Core statement's CPU again, measured).
    ``immediate``: on SQLite, BEGIN IMMEDIATE as in ``write_transaction``."""
    with get_engine().begin() as conn:
        if immediate and conn.dialect.name == 'sqlite':
            conn.execute(sa.text('BEGIN IMMEDIATE'))
        yield conn

# MariaDB/MySQL 1213 (deadlock) and 1205 (lock wait timeout); PostgreSQL 40P01
# (deadlock detected) and 40001 (serialization failure); SQLite busy
_RETRYABLE = {1213, 1205, '40P01', '40001'}


def _retryable(exc):
    orig = getattr(exc, 'orig', None)
    code = getattr(orig, 'sqlstate', None) or (orig.args[0] if getattr(orig, 'args', None)
                                                else None)
    return code in _RETRYABLE or 'database is locked' in str(orig)


def _exponential(attempt):
    return 0.02 * 2 ** attempt


def retry_on_deadlock(func=None, *, attempts=5, backoff=_exponential):
    """Run a whole transaction again when the database chose it as a deadlock
    victim (oslo.db's retry_on_deadlock): e.g. two services registering at
    once take gap locks on the services index in InnoDB.  ``backoff(attempt)``
    is the pause before the next fresh transaction."""
    if func is None:
        return functools.partial(retry_on_deadlock, attempts=attempts, backoff=backoff)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        for attempt in range(attempts):
            try:
                return func(*args, **kwargs)
            except sa.exc.DBAPIError as e:
                if attempt == attempts - 1 or not _retryable(e):
                    raise
                time.sleep(backoff(attempt))
    return wrapper


# -- row helpers shared by the db modules --------------------------------------
def row_dict(row):
    """A model row as a plain dict of its columns."""
    return {c.name: getattr(row, c.name) for c in row.__table__.columns}


def page(rows, key, marker, limit):
    """``rows`` after the one whose ``key`` is ``marker``, at most ``limit``."""
    if marker is not None:
        keys = [getattr(r, key) for r in rows]
        if marker not in keys:
            raise exception.MarkerNotFound(marker=marker)
        rows = rows[keys.index(marker) + 1:]
    return rows[:limit] if limit is not None else rows
