"""Feeds from the store of record: query the items a partner may see, render, cache."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

import feeds
from service.api_keys import Principal
from service.cache import CachedFeed
from service.errors import Malformed
from service.revisions import IS_CURRENT
from service.settings import Settings
from service.tables import Article, PublishedTranslation, Revision, Translation

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
LANG_NAMES = {
    "ja": "Japanese",
    "en": "English",
    "zh": "Chinese",
    "ko": "Korean",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
}


@dataclass(frozen=True)
class FeedQuery:
    lang: str
    fmt: str
    category: str | None
    limit: int
    before: tuple[datetime, str] | None

    def variant(self, principal: Principal) -> str:
        scope = json.dumps(
            [
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


@dataclass(frozen=True)
class _Row:
    article_id: str
    revision: Revision
    title: str
    summary: str | None
    body: str
    updated: datetime
    extension: dict[str, object]
    html: bool = False
    needs_review: bool = False


def _translated_rows(session: Session, lang: str, include_review: bool) -> list[_Row]:
    """The translation a key may see of each article: the newest (marked when it needs
    review) for keys that include items needing review, else the published snapshot (the
    last translation that needed no review or that an editor approved)."""
    if not include_review:
        return _published_rows(session, lang)
    latest = (
        select(Translation.article_id, func.max(Revision.number).label("number"))
        .join(Revision, Revision.id == Translation.revision_id)
        .where(Translation.lang == lang)
        .group_by(Translation.article_id)
        .subquery()
    )
    stmt = (
        select(Translation, Revision)
        .join(Revision, Revision.id == Translation.revision_id)
        .join(Article, Article.id == Translation.article_id)
        .join(
            latest,
            and_(latest.c.article_id == Translation.article_id, latest.c.number == Revision.number),
        )
        .where(Translation.lang == lang, Article.status == "published")
    )
    return [
        _Row(
            t.article_id,
            r,
            t.title,
            t.summary,
            t.body,
            t.updated_at,
            {"route": t.route, "model": t.model, "revision": r.number},
            html=t.format == "html",
            needs_review=t.needs_review,
        )
        for t, r in session.execute(stmt).tuples()
    ]


def _published_rows(session: Session, lang: str) -> list[_Row]:
    stmt = (
        select(PublishedTranslation, Revision, Translation)
        .join(
            Revision,
            and_(
                Revision.article_id == PublishedTranslation.article_id,
                Revision.number == PublishedTranslation.revision,
            ),
        )
        .join(Translation, Translation.id == PublishedTranslation.translation_id)
        .join(Article, Article.id == PublishedTranslation.article_id)
        .where(PublishedTranslation.lang == lang, Article.status == "published")
    )
    return [
        _Row(
            p.article_id,
            r,
            p.title,
            p.summary,
            p.body,
            p.updated_at,
            {"route": t.route, "model": t.model, "revision": r.number},
            html=p.format == "html",
        )
        for p, r, t in session.execute(stmt).tuples()
    ]


def _original_rows(session: Session) -> list[_Row]:
    stmt = select(Article, Revision).join(Revision, IS_CURRENT).where(Article.status == "published")
    rows = []
    for a, r in session.execute(stmt).tuples():
        rows.append(
            _Row(
                a.id,
                r,
                r.title,
                r.summary,
                r.body,
                a.updated_at,
                {"revision": r.number},
                html=r.format == "html",
            )
        )
    return rows


def _alternates(session: Session, article_ids: list[str]) -> dict[str, list[str]]:
    """The languages each article is available in (translations of any revision)."""
    if not article_ids:
        return {}
    found: dict[str, list[str]] = {}
    for article_id, lang in session.execute(
        select(Translation.article_id, Translation.lang)
        .where(Translation.article_id.in_(article_ids))
        .distinct()
    ).tuples():
        found.setdefault(article_id, []).append(lang)
    return {k: sorted(v) for k, v in found.items()}


def _tombstones(session: Session, lang: str, since: datetime) -> tuple[feeds.Tombstone, ...]:
    rows = session.execute(
        select(Article.id, Article.retracted_at)
        .where(Article.status == "retracted", Article.retracted_at >= since)
        .order_by(Article.retracted_at.desc(), Article.id)
        .limit(100)
    ).tuples()
    return tuple(
        feeds.Tombstone(id=item_id(article_id, lang), when=when)
        for article_id, when in rows
        if when is not None
    )


def item_id(article_id: str, lang: str) -> str:
    """An item's guid: the same across revisions of the article."""
    return f"urn:kakehashi:article:{article_id}:{lang}"


def translation_url(settings: Settings, article_id: str, lang: str) -> str:
    return f"{settings.public_url.rstrip('/')}/v1/articles/{article_id}/translations/{lang}"


def build_feed(
    session: Session, settings: Settings, principal: Principal, query: FeedQuery
) -> feeds.Feed:
    if query.lang == "ja":
        rows = _original_rows(session)
    else:
        rows = _translated_rows(session, query.lang, principal.include_needs_review)
    visible = [
        row
        for row in rows
        if (query.category is None or query.category in row.revision.categories)
        and (
            principal.sections is None
            or principal.role == "admin"
            or any(principal.may_read_section(c) for c in row.revision.categories)
        )
    ]
    visible.sort(key=lambda row: (row.updated, row.article_id), reverse=True)
    if query.before is not None:
        visible = [row for row in visible if (row.updated, row.article_id) < query.before]
    page = visible[: query.limit]
    base = settings.public_url.rstrip("/")
    self_url = f"{base}/feeds/{query.lang}.{query.fmt}"
    next_url = None
    if len(visible) > query.limit:
        last = page[-1]
        next_url = f"{self_url}?before={encode_cursor(last.updated, last.article_id)}"
        if query.category:
            next_url += f"&category={query.category}"
        next_url += f"&limit={query.limit}"
    available = _alternates(session, [row.article_id for row in page])
    items = tuple(
        _item(row, query.lang, settings, available.get(row.article_id, [])) for row in page
    )
    now = datetime.now(UTC)
    tombstones = (
        _tombstones(session, query.lang, now - timedelta(days=settings.tombstone_days))
        if query.before is None
        else ()
    )
    name = LANG_NAMES.get(query.lang, query.lang)
    return feeds.Feed(
        id=f"{base}/feeds/{query.lang}",
        title=f"{settings.feed_title} ({name})",
        language=query.lang,
        self_url=self_url,
        home_url=base + "/",
        updated=max((item.updated for item in items), default=EPOCH),
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


def _item(row: _Row, lang: str, settings: Settings, languages: list[str]) -> feeds.FeedItem:
    r = row.revision
    # HTML bodies pass through the renderers' allow-list sanitizer; text becomes our own HTML.
    content = (
        row.body
        if row.html
        else feeds.paragraphs_to_html([p for p in row.body.split("\n\n") if p.strip()])
    )
    return feeds.FeedItem(
        id=item_id(row.article_id, lang),
        url=r.url,
        title=row.title,
        content_html=content,
        published=r.published_at,
        updated=row.updated,
        language=lang,
        summary=row.summary,
        categories=tuple(r.categories),
        authors=(r.author,) if r.author else (),
        original_url=r.url,
        alternates=(
            *(
                (feeds.Link(href=r.url, lang="ja", title="Japanese original"),)
                if lang != "ja"
                else ()
            ),
            *(
                feeds.Link(href=translation_url(settings, row.article_id, other), lang=other)
                for other in languages
                if other != lang and other in settings.target_languages
            ),
        ),
        machine_translated_from="ja" if lang != "ja" else None,
        extension=row.extension,
        needs_review=row.needs_review,
    )


def render_cached(body: bytes, updated: datetime) -> CachedFeed:
    return CachedFeed(
        body=body,
        etag=feeds.compute_etag(body),
        last_modified=format_datetime(updated.astimezone(UTC), usegmt=True),
    )
