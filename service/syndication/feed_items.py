"""A feed page's items from the store: the rows the query picked, loaded with their text (the
original revision, the current translation or the published snapshot), and the feed item each
becomes, links and alternates included. Which rows a key may see: `service.syndication.query`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

import feeds
from service.articles import corrections
from service.settings import Settings
from service.store.tables import PublishedTranslation, Revision, Translation
from service.syndication.identity import item_id
from service.syndication.page_links import LinkSigner


@dataclass(frozen=True)
class ItemRow:
    article_id: str
    revision: Revision
    title: str
    summary: str | None
    body: str
    updated: datetime
    extension: dict[str, object]
    html: bool = False
    needs_review: bool = False
    correction: str | None = (
        None  # the revision's note in this language (service.articles.corrections)
    )


def page_rows(
    session: Session, lang: str, keys: list[tuple[int, datetime, str]], published_only: bool
) -> list[ItemRow]:
    """The page's rows with their bodies, in the order of `keys` (translation ids: of the
    published snapshots when `published_only`, see `translation_source`)."""
    ids = [key for key, _, _ in keys]
    if lang == "ja":
        revisions = {r.id: r for r in session.scalars(select(Revision).where(Revision.id.in_(ids)))}
        return [
            ItemRow(
                article_id,
                r,
                r.title,
                r.summary,
                r.body,
                updated,
                {"revision": r.number},
                html=r.format == "html",
                correction=r.correction,
            )
            for key, updated, article_id in keys
            for r in (revisions[key],)
        ]
    if not published_only:
        return _current_rows(session, ids)
    # The published snapshot's text (an editor's corrections included), by translation id.
    snapshots = {
        p.translation_id: (p, r, t)
        for p, r, t in session.execute(
            select(PublishedTranslation, Revision, Translation)
            .join(
                Revision,
                and_(
                    Revision.article_id == PublishedTranslation.article_id,
                    Revision.number == PublishedTranslation.revision,
                ),
            )
            .join(Translation, Translation.id == PublishedTranslation.translation_id)
            .where(PublishedTranslation.translation_id.in_(ids))
        ).tuples()
    }
    rows = []
    for key, _, _ in keys:
        p, r, t = snapshots[key]
        rows.append(
            ItemRow(
                p.article_id,
                r,
                p.title,
                p.summary,
                p.body,
                p.updated_at,
                {"route": t.route, "model": t.model, "revision": r.number},
                html=p.format == "html",
                needs_review=False,
                correction=p.correction,
            )
        )
    return rows


def _current_rows(session: Session, ids: list[int]) -> list[ItemRow]:
    """The current translations of these ids, marked when they need review, in id order."""
    found = {
        t.id: (t, r)
        for t, r in session.execute(
            select(Translation, Revision)
            .join(Revision, Revision.id == Translation.revision_id)
            .where(Translation.id.in_(ids))
        ).tuples()
    }
    rows = []
    for key in ids:
        t, r = found[key]
        rows.append(
            ItemRow(
                t.article_id,
                r,
                t.title,
                t.summary,
                t.body,
                t.updated_at,
                {"route": t.route, "model": t.model, "revision": r.number},
                html=t.format == "html",
                needs_review=t.needs_review,
                correction=t.correction,
            )
        )
    return rows


def feed_item(
    row: ItemRow,
    lang: str,
    category: str | None,
    settings: Settings,
    languages: list[str],
    links: LinkSigner,
) -> feeds.FeedItem:
    """An item; its link is its own page (the original's, for `ja`), its alternates the
    newsroom's original and kakehashi's page of each other language the key may see."""
    r = row.revision
    # HTML bodies pass through the renderers' allow-list sanitizer; text becomes our own HTML.
    content = (
        row.body
        if row.html
        else feeds.paragraphs_to_html([p for p in row.body.split("\n\n") if p.strip()])
    )
    categories = tuple(r.categories)
    if row.correction:
        content = corrections.note_html(row.correction, r.change, lang) + content
        if r.change == "correction":
            categories = (*categories, corrections.CATEGORY)
    return feeds.FeedItem(
        id=item_id(row.article_id, lang, category),
        url=r.url if lang == "ja" else links.url(row.article_id, lang),
        title=row.title,
        content_html=content,
        published=r.published_at,
        updated=row.updated,
        language=lang,
        summary=row.summary,
        categories=categories,
        authors=(r.author,) if r.author else (),
        original_url=r.url,
        alternates=(
            *(
                (feeds.Link(href=r.url, lang="ja", title="Japanese original"),)
                if lang != "ja"
                else ()
            ),
            *(
                feeds.Link(href=links.url(row.article_id, other), lang=other)
                for other in languages
                if other != lang and other in settings.target_languages
            ),
        ),
        machine_translated_from="ja" if lang != "ja" else None,
        extension={**row.extension, **corrections.extension(row.correction, r.change)},
        needs_review=row.needs_review,
        source_id=row.article_id,
        version=r.number,
        image=feeds.lead_image(content),
    )
