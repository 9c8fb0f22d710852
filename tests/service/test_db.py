"""The session scope and the unit of work: what a transaction caused reaches the engine's
reactors inside it (`prepare`) and after its commit (`react`), never after a rollback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.store import db, unit_of_work


class Recorder:
    """A reactor that writes a row of its own in `prepare` and, in `react`, counts the rows
    through another connection (so it sees only what was committed)."""

    def __init__(self, engine: object, *, broken: bool = False) -> None:
        self.engine = engine
        self.broken = broken
        self.seen: list[tuple[int, set[str]]] = []

    def prepare(self, session: Session, effects: unit_of_work.Effects) -> None:
        session.execute(text("INSERT INTO t VALUES (100)"))

    def react(self, effects: unit_of_work.Effects) -> None:
        if self.broken:
            raise ValueError("a queue that is down")
        with self.engine.connect() as connection:  # type: ignore[attr-defined]
            count = int(connection.execute(text("SELECT count(*) FROM t")).scalar_one())
        self.seen.append((count, set(effects.feeds)))


def test_the_unit_of_work_reacts_after_a_commit_and_never_after_a_rollback(
    tmp_path: Path,
) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'scope.sqlite3'}")
    sessions = db.make_sessionmaker(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    broken, recorder = Recorder(engine, broken=True), Recorder(engine)
    unit_of_work.register(engine, broken)  # a failing reaction does not undo the commit,
    unit_of_work.register(engine, recorder)  # nor keep the next reactor from its own
    try:
        with db.session_scope(sessions) as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
            unit_of_work.feeds_changed(session, ["en"])
            assert recorder.seen == []
        # Both prepares wrote their row in the transaction; the reaction saw it committed.
        assert recorder.seen == [(3, {"en"})]

        with pytest.raises(RuntimeError), db.session_scope(sessions) as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            unit_of_work.feeds_changed(session, ["fr"])
            raise RuntimeError("the handler failed")
        assert recorder.seen == [(3, {"en"})]  # rolled back: nothing prepared, no reaction

        with db.session_scope(sessions) as session:  # no effect: no reaction
            session.execute(text("INSERT INTO t VALUES (3)"))
        assert recorder.seen == [(3, {"en"})]

        unit_of_work.unregister(engine, broken)
        unit_of_work.unregister(engine, recorder)
        with db.session_scope(sessions) as session:
            unit_of_work.feeds_changed(session, ["de"])
        assert recorder.seen == [(3, {"en"})]
    finally:
        unit_of_work.unregister(engine, broken)
        unit_of_work.unregister(engine, recorder)
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
