"""The CMS's calls as transactions: publish or revise an article, retract it.

One transaction writes the revision, its jobs (the outbox) and its term index; only after it
commits are the jobs sent to the queue and the cached feeds dropped (`db.after_commit`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.articles import embargo as embargoes
from service.articles import ingest
from service.articles import views as article_views
from service.errors import Conflict
from service.glossary import term_index
from service.jobs import outbox
from service.review import desk as reviews
from service.schemas import ArticleContent, ArticleOut, IngestOut
from service.store import db
from service.store.tables import Article
from service.syndication import versions as feed_versions

if TYPE_CHECKING:
    from service.runtime import Runtime


def publish(
    runtime: Runtime,
    article_id: str,
    content: ArticleContent,
    *,
    put: bool,
    embargo: tuple[bool, datetime | None] = (False, None),
) -> IngestOut:
    """POST (`put=False`: new articles only) or PUT (`put=True`: create or revise).
    `embargo`: (whether it was given, the time or None to lift it); see
    `service.articles.embargo`."""
    targets = runtime.settings.target_languages
    action = ingest.replace if put else ingest.create
    for attempt in range(2):
        try:
            with db.session_scope(runtime.sessions) as session:
                # Built before the first write: after a large import, building the matcher
                # takes seconds, and on SQLite the write lock is held from the first write on.
                matcher = runtime.matchers.for_categories(session, content.categories)
                was_visible = _visible(session, article_id)
                result = action(session, article_id, content, targets)
                moved = embargo[0] and embargoes.apply(
                    session, result.article, embargo[1], was_visible=was_visible
                )
                if moved:
                    db.after_commit(session, runtime.releaser.wake)
                if result.created_revision:
                    term_index.index_article(session, article_id, result.revision, matcher)
                if result.created_revision or moved:
                    # The `ja` feed shows the revision; a republished article returns to
                    # every feed with its last translations; an embargo hides or shows it.
                    feed_versions.bump(session, ("ja", *targets))
                    _send_after_commit(runtime, session, [job.id for job in result.jobs])
            break
        except IntegrityError as exc:
            # Two identical requests raced; the second now sees the first's row.
            if attempt == 1:
                raise Conflict(f"article {article_id} changed concurrently; send it again") from exc
    with db.session_scope(runtime.sessions) as session:  # read back what the queue was sent
        out = article_views.get_article(session, article_id)
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


def _send_after_commit(runtime: Runtime, session: Session, job_ids: list[str]) -> None:
    if not job_ids:
        return

    def send() -> None:
        runtime.feeds_changed("ja")
        outbox.dispatch(runtime, job_ids)

    db.after_commit(session, send)


def retract(runtime: Runtime, session: Session, article_id: str) -> ArticleOut:
    """The article leaves every feed once the retraction commits; its history is kept."""
    article = ingest.retract(session, article_id)
    reviews.withdraw(session, article_id)
    langs = ("ja", *runtime.settings.target_languages)
    feed_versions.bump(session, langs)
    db.after_commit(session, lambda: runtime.feeds_changed(*langs))
    return article_views.article_out(session, article)
