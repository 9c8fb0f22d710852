from __future__ import annotations

import feeds

EXPECTED = [
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


def test_public_surface_is_stable_and_sorted() -> None:
    assert feeds.__all__ == EXPECTED
    assert sorted(feeds.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n)) == EXPECTED
    for name in feeds.__all__:
        assert getattr(feeds, name) is not None
