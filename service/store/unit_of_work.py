"""One unit of work: a transaction, and what its commit sets in motion.

Domain code changes rows and says what the change means, in the same transaction:
`feeds_changed` (a feed version moved), `jobs_recorded` (job rows to send to the queue),
`deliveries_recorded` (notices, pushes or hub pings to relay), `embargoes_moved`. It never
pairs a write with its follow-up by hand: `db.session_scope` hands what the transaction
caused to the reactors registered for its database engine, first inside the transaction
(`prepare`: rows that follow from the change, such as hub pings, are written with it) and then
after the commit (`react`: wake the relay, the version watcher, the pusher). A rollback drops
it all. Each reaction is only a nudge: what it stands for is already a row, and the periodic
outbox relay finds the rows even when a nudge is lost with its process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_EFFECTS = "kakehashi.effects"


@dataclass
class Effects:
    """What one transaction caused."""

    feeds: set[str] = field(default_factory=set)  # languages whose feed version moved
    jobs: list[str] = field(default_factory=list)  # job ids written, to send to the queue
    deliveries: bool = False  # delivery rows written (notices, pushes, hub pings)
    embargoes: bool = False  # an embargo was set or moved: the releaser plans again

    def __bool__(self) -> bool:
        return bool(self.feeds or self.jobs or self.deliveries or self.embargoes)


class Reactor(Protocol):
    """What a process does about the transactions committed through one engine."""

    def prepare(self, session: Session, effects: Effects) -> None:
        """Write, in the transaction, the rows that follow from it (may add effects)."""

    def react(self, effects: Effects) -> None:
        """Set in motion, after the commit, what the transaction caused (never raises)."""


_lock = threading.Lock()
_reactors: dict[int, list[Reactor]] = {}


def register(engine: Engine, reactor: Reactor) -> None:
    """React to what is committed through `engine` from now on (until `unregister`)."""
    with _lock:
        _reactors.setdefault(id(engine), []).append(reactor)


def unregister(engine: Engine, reactor: Reactor) -> None:
    with _lock:
        found = _reactors.get(id(engine), [])
        if reactor in found:
            found.remove(reactor)
        if not found:
            _reactors.pop(id(engine), None)


def _reactors_of(session: Session) -> list[Reactor]:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with _lock:
        return list(_reactors.get(id(engine), ()))


def effects_of(session: Session) -> Effects:
    """The effects this session's open transaction has caused so far."""
    found = session.info.get(_EFFECTS)
    if found is None:
        found = session.info[_EFFECTS] = Effects()
    assert isinstance(found, Effects)
    return found


def feeds_changed(session: Session, langs: Iterable[str]) -> None:
    effects_of(session).feeds.update(langs)


def jobs_recorded(session: Session, job_ids: Iterable[str]) -> None:
    effects_of(session).jobs.extend(job_ids)


def deliveries_recorded(session: Session) -> None:
    effects_of(session).deliveries = True


def embargoes_moved(session: Session) -> None:
    effects_of(session).embargoes = True


def before_commit(session: Session) -> None:
    """Let the reactors write what follows from the transaction (called by `session_scope`
    right before it commits)."""
    effects = session.info.get(_EFFECTS)
    if not effects:
        return
    for reactor in _reactors_of(session):
        reactor.prepare(session, effects)


def after_commit(session: Session) -> None:
    """Hand what the committed transaction caused to the reactors (called by `session_scope`
    once it has committed; a failing reaction is logged: the rows are safe)."""
    effects = session.info.pop(_EFFECTS, None)
    if not effects:
        return
    for reactor in _reactors_of(session):
        try:
            reactor.react(effects)
        except Exception:
            log.exception("reacting to a commit failed; the outbox relay recovers it")


def discard(session: Session) -> None:
    """Forget the effects of a transaction that was rolled back."""
    session.info.pop(_EFFECTS, None)
