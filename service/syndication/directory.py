"""The feed directory: every feed a key may read, per language, format and category (for
`/feeds/`, its OPML file and the landing page)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

import feeds
from service.access.api_keys import Principal
from service.articles import embargo
from service.settings import Settings
from service.store.tables import Article, ArticleCategory, Revision
from service.syndication.identity import LANG_NAMES

# The one format an OPML file subscribes to. Atom: every reader reads it (newsboat reads no JSON
# Feed), it carries tombstones, and one format per language means a reader that imports the
# file gets each article once per language, not once per format.
OPML_FORMAT = "atom"
# Per feed: its readable HTML preview (`/feeds/{lang}.html`, for people), then the formats.
FORMATS = ("html", "atom", "rss", "json")


def feed_links(
    session: Session, settings: Settings, principal: Principal, token: str | None
) -> list[feeds.FeedLink]:
    """Every feed this key may read: per language and format (its HTML preview first), and per
    category (`?category=`); with `token`, each URL carries it (for readers that can only put a
    token in the URL)."""
    base = settings.public_url.rstrip("/")
    langs = [
        lang for lang in ("ja", *settings.target_languages) if principal.may_read_language(lang)
    ]
    if principal.sections is not None and principal.role != "admin":
        categories = sorted(principal.sections)
    else:
        # Not the sections of articles under embargo: a new one would tell of the copy.
        categories = list(
            session.scalars(
                select(ArticleCategory.category)
                .join(Revision, Revision.id == ArticleCategory.revision_id)
                .join(Article, Article.id == Revision.article_id)
                .where(embargo.visible(datetime.now(UTC)))
                .distinct()
                .order_by(ArticleCategory.category)
            )
        )
    out = []
    for lang in langs:
        name = LANG_NAMES.get(lang, lang)
        for category in (None, *categories):
            for fmt in FORMATS:
                params = {"category": category} if category else {}
                if token is not None:
                    params["token"] = token
                url = f"{base}/feeds/{lang}.{fmt}" + (f"?{urlencode(params)}" if params else "")
                out.append(
                    feeds.FeedLink(
                        title=f"{settings.feed_title} ({name})",
                        lang=lang,
                        fmt=fmt,
                        url=url,
                        category=category,
                    )
                )
    return out


def opml_links(links: list[feeds.FeedLink], *, categories: bool) -> list[feeds.FeedLink]:
    """The feeds an OPML file subscribes a reader to: one per language (Atom), and its category
    feeds only when asked for (their items have guids of their own, see `feed_identity.item_id`,
    so overlapping subscriptions do not take items from each other)."""
    return [
        link for link in links if link.fmt == OPML_FORMAT and (categories or link.category is None)
    ]
