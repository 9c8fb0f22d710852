"""Feeds from the store of record: query the items a partner may see, render, cache (each
item's text and shape: `service.syndication.feed_items`)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import (
    ColumnElement,
    Exists,
    Select,
    Subquery,
    and_,
    exists,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

import feeds
from service.access.api_keys import Principal
from service.articles import embargo
from service.articles.revisions import IS_CURRENT
from service.errors import Malformed
from service.settings import Settings
from service.store.cache import CachedFeed
from service.store.tables import (
    Article,
    ArticleCategory,
    PublishedTranslation,
    Revision,
    Translation,
)
from service.syndication import feed_items
from service.syndication.identity import LANG_NAMES, feed_identity, item_id
from service.syndication.page_links import LinkSigner

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedQuery:
    lang: str
    fmt: str
    category: str | None
    limit: int
    before: tuple[datetime, str] | None
    # The token when the request carried it as ?token= (kept in next links); None for Bearer.
    query_token: str | None = None

    def variant(self, principal: Principal) -> str:
        """What a rendered feed depends on besides the data: the key (its links are signed
        for it), its scopes, the query, and whether links carry the query token."""
        scope = json.dumps(
            [
                principal.key_id,
                self.query_token is not None,
                principal.languages,
                principal.sections,
                principal.include_needs_review,
                self.category,
                self.limit,
                self.before and [self.before[0].isoformat(), self.before[1]],
            ],
            sort_keys=True,
        )
        return f"{self.fmt}:{hashlib.sha256(scope.encode()).hexdigest()[:24]}"


def decode_cursor(raw: str) -> tuple[datetime, str]:
    try:
        padded = raw + "=" * (-len(raw) % 4)
        stamp, _, article_id = base64.urlsafe_b64decode(padded).decode("utf-8").partition("|")
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None or not article_id:
            raise ValueError("incomplete cursor")
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed(
            "the 'before' cursor is not one this service made", code="bad_cursor"
        ) from exc
    return when, article_id


def encode_cursor(when: datetime, article_id: str) -> str:
    raw = f"{when.astimezone(UTC).isoformat()}|{article_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def translation_source(include_needs_review: bool, lang: str | None = None) -> Subquery:
    """THE translation of each article, per language, that a key may see: the one place that
    decides it (feed pages, alternate links and item pages read it). Columns:
    `translation_id`, `article_id`, `revision_id`, `lang`, `updated_at`.

    Keys that include items needing review: the current translation (`translations.current`,
    the newest translated revision's), marked when it needs review. Other keys: the published
    snapshot (`published_translations`: the last translation that needed no review, or that an
    editor approved), so the last good text stays while a newer one awaits review.
    """
    if not include_needs_review:
        published = select(
            PublishedTranslation.translation_id.label("translation_id"),
            PublishedTranslation.article_id,
            Revision.id.label("revision_id"),
            PublishedTranslation.lang,
            PublishedTranslation.updated_at,
        ).join(
            Revision,
            and_(
                Revision.article_id == PublishedTranslation.article_id,
                Revision.number == PublishedTranslation.revision,
            ),
        )
        if lang is not None:
            published = published.where(PublishedTranslation.lang == lang)
        return published.subquery("visible")
    stmt = select(
        Translation.id.label("translation_id"),
        Translation.article_id,
        Translation.revision_id,
        Translation.lang,
        Translation.updated_at,
    ).where(Translation.current == true())  # "= true", which an index can serve; "IS" cannot
    if lang is not None:
        stmt = stmt.where(Translation.lang == lang)
    return stmt.subquery("visible")


_Keys = Select[int, datetime, str]
_Column = ColumnElement[Any] | InstrumentedAttribute[Any]


def _in_categories(revision_id: _Column, categories: Sequence[str]) -> Exists:
    return exists().where(
        ArticleCategory.revision_id == revision_id, ArticleCategory.category.in_(categories)
    )


def _scoped(stmt: _Keys, revision_id: _Column, principal: Principal, query: FeedQuery) -> _Keys:
    if query.category is not None:
        stmt = stmt.where(_in_categories(revision_id, [query.category]))
    if principal.sections is not None and principal.role != "admin":
        stmt = stmt.where(_in_categories(revision_id, principal.sections))
    return stmt


def _page_keys(
    session: Session, principal: Principal, query: FeedQuery
) -> list[tuple[int, datetime, str]]:
    """(translation or revision id, updated, article id) of the page plus one: an index range
    scan in (updated_at, article_id) order that stops after `limit + 1` rows; no bodies."""
    now = datetime.now(UTC)  # an article under embargo until then is not there yet
    order: tuple[_Column, _Column]
    stmt: _Keys
    if query.lang == "ja":
        stmt = (
            select(Revision.id, Article.updated_at, Article.id)
            .join(Revision, IS_CURRENT)
            .where(Article.status == "published", embargo.visible(now))
        )
        stmt = _scoped(stmt, Revision.id, principal, query)
        order = (Article.updated_at, Article.id)
    else:
        src = translation_source(principal.include_needs_review, query.lang)
        stmt = (
            select(src.c.translation_id, src.c.updated_at, src.c.article_id)
            .join(Article, Article.id == src.c.article_id)
            .where(Article.status == "published", embargo.visible(now))
        )
        stmt = _scoped(stmt, src.c.revision_id, principal, query)
        order = (src.c.updated_at, src.c.article_id)
    if query.before is not None:
        stmt = stmt.where(tuple_(*order) < tuple_(*query.before))
    stmt = stmt.order_by(order[0].desc(), order[1].desc()).limit(query.limit + 1)
    return [(key, when, article_id) for key, when, article_id in session.execute(stmt).tuples()]


def _alternates(
    session: Session, principal: Principal, article_ids: list[str]
) -> dict[str, list[str]]:
    """The languages each article has a translation in that this key may see."""
    if not article_ids:
        return {}
    src = translation_source(principal.include_needs_review)
    found: dict[str, list[str]] = {}
    for article_id, lang in session.execute(
        select(src.c.article_id, src.c.lang).where(src.c.article_id.in_(article_ids))
    ).tuples():
        found.setdefault(article_id, []).append(lang)
    return {k: sorted(v) for k, v in found.items()}


def _tombstones(
    session: Session, principal: Principal, query: FeedQuery, since: datetime
) -> tuple[feeds.Tombstone, ...]:
    """Retractions since `since` of the articles this feed could have carried: of its category
    and the key's sections (by the article's last revision); a feed never names others."""
    stmt = (
        select(Article.id, Article.retracted_at)
        .join(Revision, IS_CURRENT)
        .where(
            Article.status == "retracted",
            Article.retracted_at >= since,
            ~embargo.retracted_unseen(),  # retracted before release: no trace
        )
    )
    if query.category is not None:
        stmt = stmt.where(_in_categories(Revision.id, [query.category]))
    if principal.sections is not None and principal.role != "admin":
        stmt = stmt.where(_in_categories(Revision.id, principal.sections))
    rows = session.execute(
        stmt.order_by(Article.retracted_at.desc(), Article.id).limit(100)
    ).tuples()
    return tuple(
        feeds.Tombstone(id=item_id(article_id, query.lang, query.category), when=when)
        for article_id, when in rows
        if when is not None
    )


def _next_url(base: str, query: FeedQuery, last: feed_items.ItemRow) -> str:
    """The next page's URL: the same feed before this page's last item."""
    params = {"before": encode_cursor(last.updated, last.article_id)}
    if query.category:
        params["category"] = query.category
    params["limit"] = str(query.limit)
    if query.query_token is not None:  # the credential the request used, kept
        params["token"] = query.query_token
    return f"{base}/feeds/{query.lang}.{query.fmt}?{urlencode(params)}"


def build_feed(
    session: Session,
    settings: Settings,
    principal: Principal,
    query: FeedQuery,
    links: LinkSigner,
) -> feeds.Feed:
    """A page of the feed for this key; item links are signed for it by `links`."""
    keys = _page_keys(session, principal, query)
    page = feed_items.page_rows(
        session, query.lang, keys[: query.limit], not principal.include_needs_review
    )
    base = settings.public_url.rstrip("/")
    feed_id, title, self_url = feed_identity(settings, query.lang, query.category)
    self_url = self_url.format(fmt=query.fmt)
    next_url = _next_url(base, query, page[-1]) if len(keys) > query.limit else None
    available = _alternates(session, principal, [row.article_id for row in page])
    items = tuple(
        feed_items.feed_item(
            row, query.lang, query.category, settings, available.get(row.article_id, []), links
        )
        for row in page
    )
    now = datetime.now(UTC)
    tombstones = (
        _tombstones(session, principal, query, now - timedelta(days=settings.tombstone_days))
        if query.before is None
        else ()
    )
    name = LANG_NAMES.get(query.lang, query.lang)
    return feeds.Feed(
        id=feed_id,
        title=title,
        language=query.lang,
        self_url=self_url,
        home_url=base + "/",
        # A retraction is a change of the feed's content too (RFC 9110 §8.8.2; RSS 2.0's
        # lastBuildDate): a poller sending only If-Modified-Since must see the removal.
        updated=max(
            (*(item.updated for item in items), *(t.when for t in tombstones)), default=EPOCH
        ),
        items=items,
        description=(
            f"Japanese journalism, machine-translated into {name}"
            if query.lang != "ja"
            else "Japanese originals"
        ),
        next_url=next_url,
        hubs=tuple(settings.websub_hubs),
        tombstones=tombstones,
    )


def item_page_item(
    session: Session,
    settings: Settings,
    principal: Principal,
    article_id: str,
    lang: str,
    links: LinkSigner,
    at: datetime | None = None,
) -> feeds.FeedItem | None:
    """The item a key's feed shows for this article in this language (None: it shows none),
    for the article's own page: the same visibility rules, text and links as in the feed
    (as of `at`, for editors looking at copy under embargo; default: now)."""
    query = FeedQuery(lang=lang, fmt="html", category=None, limit=1, before=None)
    now = at or datetime.now(UTC)
    if lang == "ja":
        stmt: _Keys = (
            select(Revision.id, Article.updated_at, Article.id)
            .join(Revision, IS_CURRENT)
            .where(Article.status == "published", Article.id == article_id, embargo.visible(now))
        )
        stmt = _scoped(stmt, Revision.id, principal, query)
    else:
        src = translation_source(principal.include_needs_review, lang)
        stmt = (
            select(src.c.translation_id, src.c.updated_at, src.c.article_id)
            .join(Article, Article.id == src.c.article_id)
            .where(
                Article.status == "published",
                src.c.article_id == article_id,
                embargo.visible(now),
            )
        )
        stmt = _scoped(stmt, src.c.revision_id, principal, query)
    keys = [(key, when, found) for key, when, found in session.execute(stmt).tuples()]
    if not keys:
        return None
    row = feed_items.page_rows(session, lang, keys, not principal.include_needs_review)[0]
    available = _alternates(session, principal, [article_id]).get(article_id, [])
    return feed_items.feed_item(row, lang, None, settings, available, links)


def render_cached(body: bytes, updated: datetime) -> CachedFeed:
    return CachedFeed(
        body=body,
        etag=feeds.compute_etag(body),
        last_modified=format_datetime(updated.astimezone(UTC), usegmt=True),
    )
