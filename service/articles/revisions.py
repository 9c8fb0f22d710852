"""The current revision of an article: one join condition and the selects built on it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from service.store.tables import Article, Revision

IS_CURRENT: ColumnElement[bool] = and_(
    Revision.article_id == Article.id, Revision.number == Article.current_revision
)
"""Joins an article to its current revision (the one feeds, jobs and the term index use)."""


def current_revision(session: Session, article: Article) -> Revision:
    return session.scalars(
        select(Revision).where(
            Revision.article_id == article.id, Revision.number == article.current_revision
        )
    ).one()


def published_current(article_ids: Iterable[str] | None = None) -> Select[Revision]:
    """The current revisions of published articles (of `article_ids` when given)."""
    stmt = select(Revision).join(Article, IS_CURRENT).where(Article.status == "published")
    if article_ids is not None:
        stmt = stmt.where(Article.id.in_(list(article_ids)))
    return stmt


def published_current_ids(article_ids: Iterable[str] | None = None) -> Select[str, int]:
    """(article id, current revision id) of published articles (of `article_ids` when given)."""
    stmt = select(Article.id, Revision.id).join(Revision, IS_CURRENT)
    stmt = stmt.where(Article.status == "published")
    if article_ids is not None:
        stmt = stmt.where(Article.id.in_(list(article_ids)))
    return stmt
