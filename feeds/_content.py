"""What every renderer shows for an item: its safe HTML body and its distinct alternates."""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from feeds.html import sanitize_html
from feeds.model import FeedItem, Link

__all__ = ["alternates", "body_html", "image_type", "language_name"]

_LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "pt": "Portuguese",
    "ru": "Russian",
    "th": "Thai",
    "vi": "Vietnamese",
    "zh": "Chinese",
}


def language_name(code: str) -> str:
    """English name of a BCP 47 language tag's primary subtag, or the tag itself."""
    return _LANGUAGE_NAMES.get(code.split("-", 1)[0].lower(), code)


def body_html(item: FeedItem) -> str:
    """The item's HTML, sanitized again, behind a machine-translation notice when it applies.

    ``content_html`` is meant to come from :mod:`feeds.html` already, but renderers do not
    trust it: sanitizing is cheap next to the damage of a hostile body reaching partners.
    """
    notice = ""
    if item.machine_translated_from is not None:
        source = escape(language_name(item.machine_translated_from))
        notice = f"<p><em>Machine-translated from {source}.</em>"
        if item.original_url:
            notice += f' <a href="{escape(item.original_url)}">Read the original</a>'
        notice += "</p>\n"
    return sanitize_html(notice + item.content_html)


def alternates(item: FeedItem) -> tuple[Link, ...]:
    """The item's alternates, at most one per language and none in the item's own language.

    Atom forbids two ``rel="alternate"`` links with the same type and hreflang; the other
    formats follow the same rule so that they all say the same thing.
    """
    seen = {item.language.lower()}
    out: list[Link] = []
    for link in item.alternates:
        key = link.lang.lower()
        if key in seen or not link.href:
            continue
        seen.add(key)
        out.append(link)
    return tuple(out)


# The web's image types by extension. Not `mimetypes`: it reads the machine's mime.types files,
# and a feed's bytes must not depend on the host that rendered it.
_IMAGE_TYPES = {
    ".avif": "image/avif",
    ".gif": "image/gif",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}


def image_type(url: str) -> dict[str, str]:
    """``href`` and, when the file name tells it, ``type`` of an image link (an enclosure)."""
    path = urlsplit(url).path.lower()
    attrib = {"href": url}
    for extension, media_type in _IMAGE_TYPES.items():
        if path.endswith(extension):
            attrib["type"] = media_type
    return attrib
