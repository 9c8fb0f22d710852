"""The version of each language's feeds, kept in the store of record.

Every change a feed shows (a stored translation, a published revision, a retraction) bumps the
version of the languages it touches in the same transaction. A cached feed carries the version
read before it was rendered and is served only while that version is current, so neither a
render that overlaps a change nor a Redis that lost an invalidation (down, or restarted from an
old append-only file) can serve a stale feed: the version is not in Redis at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from service.tables import FeedVersion


def bump(session: Session, langs: Iterable[str]) -> None:
    """Move these languages' feeds to a new version, in the caller's transaction."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for lang in sorted(set(langs)):  # one order everywhere: two bumps never deadlock
        stmt = insert(FeedVersion).values(lang=lang, version=1)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[FeedVersion.lang], set_={"version": FeedVersion.version + 1}
            )
        )


def current(connection: Connection | Session, lang: str) -> int:
    """The current version of a language's feeds (0: nothing changed since the store began)."""
    found = connection.execute(
        select(FeedVersion.version).where(FeedVersion.lang == lang)
    ).scalar_one_or_none()
    return int(found or 0)
