"""The version of each language's feeds, kept in the store of record.

Every change a feed shows (a stored translation, a published revision, a retraction) bumps the
version of the languages it touches in the same transaction. A cached feed carries the version
read before it was rendered and is served only while that version is current, so neither a
render that overlaps a change nor a Redis that lost an invalidation (down, or restarted from an
old append-only file) can serve a stale feed: the version is not in Redis at all.

Each API process holds the versions in memory (`service.syndication.version_watch`): a
bump NOTIFYs them on PostgreSQL (delivered with the commit, never without it) and refreshes
this process's own
watchers right after its commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from service.store import unit_of_work
from service.store.tables import FeedVersion
from service.syndication import version_watch


def bump(session: Session, langs: Iterable[str]) -> None:
    """Move these languages' feeds to a new version, in the caller's transaction."""
    bind = session.get_bind()
    postgres = bind.dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    changed = sorted(set(langs))
    for lang in changed:  # one order everywhere: two bumps never deadlock
        stmt = insert(FeedVersion).values(lang=lang, version=1)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[FeedVersion.lang], set_={"version": FeedVersion.version + 1}
            )
        )
    if changed and postgres:  # one notification per transaction is enough: watchers read all
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": version_watch.CHANNEL})
    # The unit of work refreshes this process's watchers after the commit, writes the hub
    # pings with it, and wakes the pusher (service.store.unit_of_work).
    unit_of_work.feeds_changed(session, changed)


def current(connection: Connection | Session, lang: str) -> int:
    """The current version of a language's feeds (0: nothing changed since the store began)."""
    found = connection.execute(
        select(FeedVersion.version).where(FeedVersion.lang == lang)
    ).scalar_one_or_none()
    return int(found or 0)
