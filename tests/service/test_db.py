"""The session scope: work registered with `after_commit` runs only after a commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from service.store import db


def test_after_commit_runs_after_a_commit_and_never_after_a_rollback(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'scope.sqlite3'}")
    sessions = db.make_sessionmaker(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    seen: list[int] = []

    def count_rows() -> None:  # reads through another connection: sees only committed rows
        with engine.connect() as connection:
            seen.append(int(connection.execute(text("SELECT count(*) FROM t")).scalar_one()))

    with db.session_scope(sessions) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        db.after_commit(session, count_rows)
        assert seen == []
    assert seen == [1]

    with pytest.raises(RuntimeError), db.session_scope(sessions) as session:
        session.execute(text("INSERT INTO t VALUES (2)"))
        db.after_commit(session, count_rows)
        raise RuntimeError("the handler failed")
    assert seen == [1]  # rolled back: the callback was dropped

    def broken() -> None:
        raise ValueError("a queue that is down")

    with db.session_scope(sessions) as session:  # a failing callback does not undo the commit
        session.execute(text("INSERT INTO t VALUES (3)"))
        db.after_commit(session, broken)
        db.after_commit(session, count_rows)
    assert seen == [1, 2]
    engine.dispose()


def test_only_lock_and_connection_errors_count_as_unavailable(tmp_path: Path) -> None:
    """Those answer 503 + Retry-After; any other database error stays a 500 (a bug)."""
    import sqlite3

    from sqlalchemy import exc

    def operational(message: str) -> exc.OperationalError:
        return exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))

    assert db.unavailable(operational("database is locked"))
    assert db.unavailable(operational("unable to open database file"))
    assert not db.unavailable(operational("no such table: articles"))
    assert not db.unavailable(exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE")))
    assert db.unavailable(exc.TimeoutError("QueuePool limit reached"))
    assert not db.unavailable(ValueError("not a database error"))
