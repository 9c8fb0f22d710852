"""The feed versions pushed into a process (service.version_watch) and their staleness bound:
a change committed elsewhere reaches the watcher without anyone asking (NOTIFY on PostgreSQL,
a re-read on SQLite), a change committed here is known when its commit returns, and a watcher
whose last good read is older than MAX_STALENESS answers nothing rather than an old version."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import Engine

from service import db, feed_versions, version_watch
from service.settings import Settings
from tests.service.conftest import ENV_DB


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def _bump(engine: Engine, lang: str) -> int:
    with db.session_scope(db.make_sessionmaker(engine)) as session:
        feed_versions.bump(session, [lang])
    with db.session_scope(db.make_sessionmaker(engine)) as session:
        return feed_versions.current(session, lang)


def test_another_process_change_is_pushed(settings: Settings) -> None:
    here = db.make_engine(settings.resolved_database_url)
    there = db.make_engine(settings.resolved_database_url)  # another process's engine
    watcher = version_watch.VersionWatcher(here)
    watcher.start()
    try:
        version = _bump(there, "en")
        # Waits on a condition the watcher's thread signals; the timeout only bounds a failure.
        assert watcher.wait_for("en", version, timeout=version_watch.MAX_STALENESS)
        assert watcher.current("en") == version
    finally:
        watcher.stop()
        here.dispose()
        there.dispose()


def test_this_process_change_is_known_when_its_commit_returns(settings: Settings) -> None:
    engine = db.make_engine(settings.resolved_database_url)
    clock = Clock()  # never advances: only the after-commit refresh can tell the watcher
    watcher = version_watch.VersionWatcher(engine, clock=clock)
    watcher.start()
    watcher._stop.set()  # no thread reads after the first: the commit itself must refresh
    try:
        before = watcher.current("fr") or 0
        version = _bump(engine, "fr")
        assert version > before and watcher.current("fr") == version
    finally:
        watcher.stop()
        engine.dispose()


def test_a_stale_watcher_answers_nothing(settings: Settings) -> None:
    engine = db.make_engine(settings.resolved_database_url)
    clock = Clock()
    watcher = version_watch.VersionWatcher(engine, clock=clock)
    try:
        assert watcher.current("en") is None  # never read
        watcher.refresh()
        assert watcher.current("en") == 0
        clock.now += version_watch.MAX_STALENESS
        assert watcher.current("en") == 0  # at the bound: still answered
        clock.now += 0.001
        assert watcher.current("en") is None  # past it: the route reads the database
    finally:
        engine.dispose()


@pytest.mark.skipif(not os.environ.get(ENV_DB), reason="needs PostgreSQL (KAKEHASHI_DATABASE_URL)")
def test_postgresql_pushes_by_notify(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the timer far away, only the NOTIFY sent by the bumping transaction can tell."""
    monkeypatch.setattr(version_watch, "POLL_POSTGRES", 60.0)
    here = db.make_engine(settings.resolved_database_url)
    there = db.make_engine(settings.resolved_database_url)
    watcher = version_watch.VersionWatcher(here)
    watcher.start()
    try:
        assert watcher.wait_for("ja", 0, timeout=5)
        time.sleep(0.2)  # let the thread reach LISTEN's wait (it LISTENs before its first read)
        version = _bump(there, "ja")
        assert watcher.wait_for("ja", version, timeout=5)
    finally:
        watcher.stop(timeout=0)
        here.dispose()
        there.dispose()
