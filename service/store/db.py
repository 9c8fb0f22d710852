"""Database engine, sessions and migrations."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from service.store import unit_of_work

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
# Key of the PostgreSQL advisory lock held while the schema is migrated and seeded ("kake").
MIGRATION_LOCK_KEY = 0x6B616B65


def make_engine(url: str, *, busy_timeout: float = 30.0) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so threads and processes can
    share it: a writer waits up to `busy_timeout` seconds for the write lock, then the request
    is answered 503 with Retry-After (`service.web.http_errors`)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_timeout}
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


# SQLSTATEs that mean "the database cannot serve this now, try again": connection exceptions
# (class 08), too many connections, lock not available (lock_timeout), shutting down, starting up.
_UNAVAILABLE_STATES = ("08", "53300", "55P03", "57P01", "57P02", "57P03")
_SQLITE_BUSY = ("database is locked", "database table is locked", "unable to open database file")


def unavailable(error: BaseException) -> bool:
    """Whether a database error means "locked or unreachable, try again later" (HTTP 503)
    rather than a bug (500): a lock that outlasted the busy timeout, a lost or refused
    connection, an exhausted pool. Anything else (a missing table, a bad statement) is not."""
    if isinstance(error, sa_exc.TimeoutError):  # no free connection in the pool in time
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa_exc.OperationalError):
        return False
    original = error.orig
    state = getattr(original, "sqlstate", None)  # psycopg 3
    if state is not None:
        return str(state).startswith(_UNAVAILABLE_STATES)
    message = str(original).lower()
    if any(busy in message for busy in _SQLITE_BUSY):
        return True
    # psycopg raises OperationalError without a SQLSTATE when it cannot connect at all.
    return type(original).__module__.startswith("psycopg")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (run on every start)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold a lock that only one process at a time may hold on this database.

    `serve`, `worker` and `migrate` all migrate and seed on start; on a fresh database started
    at the same moment they would otherwise race (two CREATE TABLEs, two seeds). PostgreSQL: a
    session-level advisory lock. SQLite: an exclusive flock on a file beside the database (the
    processes share a machine, since they share the file).
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                connection.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error; around the commit, the
    unit of work hands what the transaction caused to this engine's reactors
    (`service.store.unit_of_work`)."""
    session = factory()
    try:
        yield session
        unit_of_work.before_commit(session)
        session.commit()
    except BaseException:
        session.rollback()
        unit_of_work.discard(session)
        session.close()
        raise
    try:
        unit_of_work.after_commit(session)
    finally:
        session.close()
