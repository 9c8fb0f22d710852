"""What tells one feed from another for readers: its id, title and self URL, and its items'
guids (category feeds have their own, see `item_id`)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from service.settings import Settings

__all__ = ["LANG_NAMES", "feed_identity", "item_id"]

LANG_NAMES = {
    "ja": "Japanese",
    "en": "English",
    "zh": "Chinese",
    "ko": "Korean",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
}


def item_id(article_id: str, lang: str, category: str | None = None) -> str:
    """An item's guid: the same across revisions of the article and across formats.

    A category feed gives its items guids of its own. Strictly, RFC 4287 would keep an entry's
    id wherever it appears, but readers key their caches on the guid alone (newsboat moves an
    item to whichever feed it last saw it in), so two subscribed feeds that share an article
    would steal it from each other; here the reader wins (issue 20, finding 10).
    """
    base = f"urn:kakehashi:article:{article_id}:{lang}"
    return base if category is None else f"{base}:category:{quote(category, safe='')}"


def feed_identity(settings: Settings, lang: str, category: str | None) -> tuple[str, str, str]:
    """(id, title, self URL) of a language's feed or of one of its category feeds, so that
    readers tell them apart (RFC 4287 4.2.6, 4.2.7.2): the self URL carries the category, never
    a token or a page cursor."""
    base = settings.public_url.rstrip("/")
    name = LANG_NAMES.get(lang, lang)
    query = f"?{urlencode({'category': category})}" if category else ""
    title = f"{settings.feed_title} ({name})" + (f" · {category}" if category else "")
    return f"{base}/feeds/{lang}{query}", title, f"{base}/feeds/{lang}.{{fmt}}{query}"
