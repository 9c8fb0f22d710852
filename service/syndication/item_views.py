"""One item as a key may see it, in ninjs: for `/v1/items/...ninjs` and for push notices."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from feeds import ninjs
from service.access.api_keys import Principal
from service.articles import embargo
from service.settings import Settings
from service.store.tables import Article
from service.syndication import query as feed_query
from service.syndication.identity import item_id
from service.syndication.page_links import LinkSigner


def ninjs_for(
    session: Session,
    settings: Settings,
    links: LinkSigner,
    principal: Principal,
    article_id: str,
    lang: str,
    version: ninjs.Version = "3.1",
) -> dict[str, Any] | None:
    """The ninjs object of the article in `lang` for this key (None: the key sees nothing):
    `canceled` once retracted (unless it was never released), `withheld` for editors and the
    CMS while under embargo; partners see it only once released."""
    article = session.get(Article, article_id)
    if article is None:
        return None
    uri = item_id(article_id, lang)
    partner = principal.role == "partner"
    withheld = embargo.under_embargo(article)
    if article.status == "retracted":
        never_seen = article.embargoed_until is not None and (
            article.retracted_at is None or article.embargoed_until > article.retracted_at
        )
        if never_seen and partner:
            return None
        return ninjs.ninjs_stub(uri, article.retracted_at or article.updated_at, version)
    if withheld and partner:
        return None
    item = feed_query.item_page_item(
        session,
        settings,
        principal,
        article_id,
        lang,
        links,
        at=article.embargoed_until if withheld else None,
    )
    if item is None:
        return None
    if article.embargoed_until is not None:
        item = dataclasses.replace(item, embargoed_until=article.embargoed_until)
    return ninjs.ninjs_item(item, version, withheld=withheld)
