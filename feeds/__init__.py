"""Render translated articles as RSS 2.0, Atom and JSON Feed 1.1; values in, bytes out."""

from feeds.etag import compute_etag
from feeds.html import clean_text, lead_image, paragraphs_to_html, sanitize_html
from feeds.model import Feed, FeedItem, Link, Tombstone
from feeds.pages import (
    FeedLink,
    render_directory,
    render_item_page,
    render_landing,
    render_notice,
    render_opml,
)
from feeds.preview import render_preview
from feeds.render import FORMATS, MEDIA_TYPES, Renderer, render

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Feed",
    "FeedItem",
    "FeedLink",
    "Link",
    "Renderer",
    "Tombstone",
    "clean_text",
    "compute_etag",
    "lead_image",
    "paragraphs_to_html",
    "render",
    "render_directory",
    "render_item_page",
    "render_landing",
    "render_notice",
    "render_opml",
    "render_preview",
    "sanitize_html",
]
