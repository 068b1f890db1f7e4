"""PostgreSQL through asyncpg, with a transaction begun only when something needs one.

SQLAlchemy's asyncpg adapter sends BEGIN before a connection's first statement and
COMMIT at the end: two round trips on top of the statements. Most updates only read
(a search, an offer opened, each step of the booking dialogue before *Confirm*). At READ
COMMITTED, PostgreSQL's default, every statement sees its own snapshot whether or not a
transaction is open, so reads need none: here the transaction begins just before the
first statement that is not a plain SELECT (an INSERT, UPDATE, DELETE or SAVEPOINT; a
SELECT … FOR UPDATE or FOR SHARE; advisory locks, sequences), and a unit of work that
only read ends without a round trip. Once begun, everything is as before: the writes
and the reads after them commit or roll back together.

A connection whose server default is another isolation level (REPEATABLE READ would
need the reads in the transaction's one snapshot), or an engine given an isolation
level, keeps SQLAlchemy's behaviour. Covered by tests/test_postgres_driver.py.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_cursor,
    AsyncAdapt_asyncpg_dbapi,
)
from sqlalchemy.util.concurrency import await_

_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
# What makes a SELECT more than a read: row locks, and functions with effects that need
# (or outlive) a transaction.
_NOT_ONLY_READING = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bFOR\s+(?:KEY\s+)?SHARE\b"
    r"|pg_advisory|nextval|setval|set_config|pg_notify|txid_current|pg_current_xact_id",
    re.IGNORECASE,
)


def only_reads(statement: str) -> bool:
    """Whether `statement` is a plain SELECT, which needs no transaction at READ COMMITTED."""
    return _SELECT.match(statement) is not None and _NOT_ONLY_READING.search(statement) is None


class LazyBeginCursor(AsyncAdapt_asyncpg_cursor):
    """Runs a plain SELECT outside a transaction while none is open."""

    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> None:
        """Run `operation`; a transaction is begun first unless it only reads."""
        adapted = self._adapt_connection
        if (
            adapted._transaction is None
            and adapted.isolation_level is None
            and only_reads(operation)
        ):
            adapted.isolation_level = "autocommit"  # SQLAlchemy's adapter then sends no BEGIN
            try:
                super().execute(operation, parameters)  # type: ignore[no-untyped-call]
            finally:
                adapted.isolation_level = None
        else:
            super().execute(operation, parameters)  # type: ignore[no-untyped-call]


class LazyBeginConnection(AsyncAdapt_asyncpg_connection):
    """SQLAlchemy's adapted asyncpg connection, handing out lazy-begin cursors."""

    __slots__ = ()
    _cursor_cls = LazyBeginCursor


class LazyBeginDBAPI(AsyncAdapt_asyncpg_dbapi):
    """The DB-API module SQLAlchemy's asyncpg dialect uses, with lazy-begin connections
    where the server's default isolation is READ COMMITTED."""

    def connect(self, *args: Any, **kwargs: Any) -> Any:
        """Connect as SQLAlchemy does; ask the server for its default isolation level."""
        adapted = super().connect(*args, **kwargs)  # type: ignore[no-untyped-call]
        driver: asyncpg.Connection = adapted._connection
        level = await_(driver.fetchval("SHOW default_transaction_isolation"))
        if level == "read committed":
            adapted.__class__ = LazyBeginConnection  # same layout: only methods differ
        return adapted


def lazy_begin_dbapi() -> LazyBeginDBAPI:
    """The module to pass to `create_async_engine(..., module=...)`."""
    return LazyBeginDBAPI(asyncpg)  # type: ignore[no-untyped-call]
