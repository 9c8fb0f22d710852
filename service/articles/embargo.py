"""Embargoes: copy that arrives before it may run, released on the minute.

An article's `embargoed_until` hides all of it from partners until that moment: every feed
query, item page and partner read filters on `visible(now)`, so it appears the moment the
embargo ends for any render. Cached feeds (and their 304s) are another matter: they were
rendered before. The article row is therefore also the durable schedule of a feed version
bump: `embargo_released_at` stays NULL until the :class:`Releaser` (a thread beside the
outbox relay, sleeping exactly until the next embargo ends) bumps every language's feeds and
moves the article's dates to the release, so readers polling with If-Modified-Since see it
too. A release lost to a restart is done by the next releaser that starts: the row waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.errors import Conflict
from service.jobs.periodic import Periodic
from service.settings import Settings
from service.store import db
from service.store.tables import Article, PublishedTranslation, Translation, utcnow
from service.syndication import versions as feed_versions

log = logging.getLogger(__name__)

State = Literal["withheld", "released"]


def visible(now: datetime) -> ColumnElement[bool]:
    """Articles partners may see at `now`: no embargo, or one that has ended."""
    return or_(Article.embargoed_until.is_(None), Article.embargoed_until <= now)


def under_embargo(article: Article, now: datetime | None = None) -> bool:
    until = article.embargoed_until
    return until is not None and until > (now or utcnow())


def state(article: Article, now: datetime | None = None) -> State | None:
    """What editors and the CMS see: None (never embargoed), withheld or released."""
    if article.embargoed_until is None:
        return None
    return "withheld" if under_embargo(article, now) else "released"


def _release(session: Session, article: Article, now: datetime) -> None:
    """The article's dates move to its release, so it tops the feeds as new copy."""
    article.embargo_released_at = now
    article.updated_at = max(article.updated_at, now)
    session.execute(
        update(Translation)
        .where(Translation.article_id == article.id, Translation.updated_at < now)
        .values(updated_at=now)
    )
    session.execute(
        update(PublishedTranslation)
        .where(PublishedTranslation.article_id == article.id, PublishedTranslation.updated_at < now)
        .values(updated_at=now)
    )


def apply(
    session: Session,
    article: Article,
    until: datetime | None,
    *,
    was_visible: bool,
    now: datetime | None = None,
) -> bool:
    """Set, move or lift an article's embargo (`until` None: lifted); True when the schedule
    changed. An article partners could already see cannot be withheld again (409)."""
    now = now or utcnow()
    if until is not None and until > now:
        if was_visible:
            raise Conflict(
                f"article {article.id} is already released to partners; an embargo cannot "
                "withhold it again",
                code="already_released",
            )
        changed = article.embargoed_until != until or article.embargo_released_at is not None
        article.embargoed_until = until
        article.embargo_released_at = None
        return changed
    if article.embargoed_until is None and until is None:
        return False
    pending = article.embargo_released_at is None and article.embargoed_until is not None
    article.embargoed_until = until if until is not None else None
    if pending:
        _release(session, article, now)
    return True


def release_due(session: Session, now: datetime) -> list[str]:
    """Release every ended embargo not yet released (the conditional UPDATE makes one process
    win each); bumps every feed version when any was. Returns the released article ids."""
    due = list(
        session.scalars(
            select(Article).where(
                Article.embargo_released_at.is_(None),
                Article.embargoed_until.is_not(None),
                Article.embargoed_until <= now,
            )
        )
    )
    released = []
    for article in due:
        won = session.execute(
            update(Article)
            .where(Article.id == article.id, Article.embargo_released_at.is_(None))
            .values(embargo_released_at=now)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue
        if article.status == "published":
            _release(session, article, now)
            released.append(article.id)
    return released


def next_due(session: Session) -> datetime | None:
    return session.scalar(
        select(Article.embargoed_until)
        .where(Article.embargo_released_at.is_(None), Article.embargoed_until.is_not(None))
        .order_by(Article.embargoed_until)
        .limit(1)
    )


def retracted_unseen() -> ColumnElement[bool]:
    """Retracted articles no partner ever saw (retracted before their embargo ended): no
    tombstone, no trace."""
    return and_(
        Article.embargoed_until.is_not(None),
        or_(Article.retracted_at.is_(None), Article.embargoed_until > Article.retracted_at),
    )


class Releaser:
    """Releases embargoes on time, on a `Periodic` thread (`periodic`) that sleeps until the
    next one ends (at most `poll` seconds, so one set by another process is seen), woken early
    after a commit that set or moved one."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        poll: float = 5.0,
        on_release: Callable[[Session, list[str]], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._on_release = on_release
        self.periodic = Periodic("kakehashi-embargo", poll, self._run)

    def release_now(self) -> list[str]:
        langs = ("ja", *self._settings.target_languages)
        with db.session_scope(self._sessions) as session:
            released = release_due(session, utcnow())
            if released:
                feed_versions.bump(session, langs)
                if self._on_release is not None:
                    self._on_release(session, released)
        if released:
            log.info("embargo ended: %s released", ", ".join(released))
        return released

    def _run(self) -> float:
        """Release what is due; how long until the next embargo ends."""
        self.release_now()
        with db.session_scope(self._sessions) as session:
            due = next_due(session)
        if due is None:
            return self.periodic.interval
        return max((due - utcnow()).total_seconds(), 0.0)

    def start(self) -> None:
        self.periodic.start()

    def wake(self) -> None:
        self.periodic.wake()

    def alive(self) -> bool:
        return self.periodic.alive()

    def stop(self) -> None:
        self.periodic.stop()
