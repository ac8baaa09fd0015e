"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

# Execution option of a session's connection that starts a write transaction (see
# ``queries.lock_owner``): on SQLite it begins IMMEDIATE, taking the one write lock up front.
WRITE = "phonebridge_write"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    if not is_sqlite(url):
        return create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
    memory = make_url(url).database in (None, "", ":memory:")
    engine = create_async_engine(
        url,
        # pooled: opening an aiosqlite connection starts a thread and runs the pragmas, which
        # cost more than a lookup; an in-memory database keeps its single connection
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"timeout": 30},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # A deferred transaction that reads and then writes fails with SQLITE_BUSY when another
        # writer committed in between (busy_timeout cannot help: its snapshot is stale). A
        # write transaction therefore takes the write lock before its first read and keeps it
        # to commit, so check-then-write use cases cannot race. Reads stay as they were.
        if conn.get_execution_options().get(WRITE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
