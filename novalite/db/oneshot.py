"""Reads without a transaction around them, on PostgreSQL.

A SELECT is atomic by itself, and under PostgreSQL's READ COMMITTED (the
isolation level novalite runs at) each statement of a transaction takes its
own snapshot anyway: a transaction adds nothing to reads that write nothing.
It costs two more round trips than the statements: psycopg sends BEGIN
before the first and the session's COMMIT after the last (measured: 34 % of
POST /servers' wall time at concurrency 10 was the BEGIN and COMMIT of its
four transactions).  ``connection()`` reads on an autocommit connection
there.  Elsewhere it runs as
before in a plain transaction: MySQL drivers have no BEGIN round trip but
pay one to switch autocommit on and two to switch it back, and SQLite's
driver begins nothing for a SELECT.
"""
import contextlib

from novalite.db.session import get_engine

# dialects whose driver sends BEGIN as a round trip of its own
_NO_TRANSACTION = ('postgresql',)


@contextlib.contextmanager
def connection():
    """A Core connection for read statements (nothing written)."""
    engine = get_engine()
    with engine.connect() as conn:
        if engine.dialect.name in _NO_TRANSACTION:
            conn = conn.execution_options(isolation_level='AUTOCOMMIT')
            yield conn
            return
        with conn.begin():
            yield conn


def read(statement, params=None):
    """The rows of ``statement`` (a list of Core rows), read in one round
    trip on PostgreSQL."""
    with connection() as conn:
        return conn.execute(statement, params).all()
