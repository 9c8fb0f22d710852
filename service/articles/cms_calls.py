"""The CMS's calls as transactions: publish or revise an article, retract it.

One transaction writes the revision, its jobs (the outbox), its term index and the feed
version bumps; what follows the commit (the jobs relayed to the queue, the hubs pinged for
every language whose feed moved, the embargo releaser re-planned) is the unit of work's
(`service.store.unit_of_work`), never paired here by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.articles import embargo as embargoes
from service.articles import ingest
from service.articles import views as article_views
from service.errors import Conflict
from service.glossary import term_index
from service.glossary.matchers import MatcherCache
from service.review import desk as reviews
from service.schemas import ArticleContent, ArticleOut, IngestOut
from service.settings import Settings
from service.store import db, unit_of_work
from service.store.tables import Article
from service.syndication import versions as feed_versions


def accept(
    sessions: sessionmaker[Session],
    settings: Settings,
    matchers: MatcherCache,
    article_id: str,
    content: ArticleContent,
    *,
    put: bool,
    embargo: tuple[bool, datetime | None] = (False, None),
) -> IngestOut:
    """POST (`put=False`: new articles only) or PUT (`put=True`: create or revise).
    `embargo`: (whether it was given, the time or None to lift it); see
    `service.articles.embargo`."""
    targets = settings.target_languages
    action = ingest.replace if put else ingest.create
    for attempt in range(2):
        try:
            with db.session_scope(sessions) as session:
                # Built before the first write: after a large import, building the matcher
                # takes seconds, and on SQLite the write lock is held from the first write on.
                matcher = matchers.for_categories(session, content.categories)
                was_visible = _visible(session, article_id)
                result = action(session, article_id, content, targets)
                moved = embargo[0] and embargoes.apply(
                    session, result.article, embargo[1], was_visible=was_visible
                )
                if moved:
                    unit_of_work.embargoes_moved(session)
                if result.created_revision:
                    term_index.index_article(session, article_id, result.revision, matcher)
                if result.created_revision or moved:
                    # The `ja` feed shows the revision; a republished article returns to
                    # every feed with its last translations; an embargo hides or shows it.
                    feed_versions.bump(session, ("ja", *targets))
                # Read back in the same transaction: the answer is what commits, at no
                # second round trip (the POST does its write and its outbox rows, no more).
                out = article_views.get_article(session, article_id)
            break
        except IntegrityError as exc:
            # Two identical requests raced; the second now sees the first's row.
            if attempt == 1:
                raise Conflict(f"article {article_id} changed concurrently; send it again") from exc
    created = result.created_revision
    return IngestOut(
        article=out,
        created_revision=created,
        duplicate=not created,
        removed=content.removed_characters(),
    )


def _visible(session: Session, article_id: str) -> bool:
    """Whether partners can read the article now (published and not under embargo)."""
    found = session.get(Article, article_id)
    return found is not None and found.status == "published" and not embargoes.under_embargo(found)


def retract(session: Session, targets: Sequence[str], article_id: str) -> ArticleOut:
    """The article leaves every feed once the retraction commits; its history is kept."""
    article = ingest.retract(session, article_id)
    reviews.withdraw(session, article_id)
    feed_versions.bump(session, ("ja", *targets))
    return article_views.article_out(session, article)
