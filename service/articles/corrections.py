"""Corrections and editor's notes: a revision's note, translated with the article and shown
with it in every feed format and on the item page.

A revision with `change: correction` is marked as one: the category `correction` (Atom and
RSS), the note at the top of the content, `_kakehashi.correction` in JSON Feed; the item's
`updated` moves because the note is part of the translation's text hash. A note on an ordinary
update (an editor's note) is shown the same way, without the category. Nothing at all for an
ordinary update without a note: it stays quiet.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from translators.pipeline import translate_texts

if TYPE_CHECKING:
    from glossaries import Matcher
    from translators import ReviewPolicy, SentenceCache, TranslationMemory
    from translators.engine import Engine

CATEGORY = "correction"
# The note's label in the item's language (its note is translated; its label should be too).
_LABELS = {
    "correction": {"ja": "訂正", "en": "Correction", "fr": "Correction", "de": "Korrektur"},
    "update": {"ja": "編集部注", "en": "Editor's note", "fr": "Note de la rédaction"},
}


def translate_note(
    note: str | None,
    engine: Engine,
    matcher: Matcher,
    *,
    cache: SentenceCache | None,
    policy: ReviewPolicy,
    memory: TranslationMemory | None,
) -> str | None:
    """The note in the engine's target language, under the article's glossaries (None: none)."""
    if not note:
        return None
    (result,) = translate_texts(
        [note],
        engine=engine,
        matcher=matcher,
        cache=cache,
        policy=policy,
        memory=memory,
    )
    return result.text or None


def label(change: str, lang: str) -> str:
    labels = _LABELS["correction" if change == "correction" else "update"]
    return labels.get(lang, labels["en"])


def note_html(note: str, change: str, lang: str) -> str:
    """The note as the first paragraph of an item's content (escaped: it is plain text)."""
    return f"<p><strong>{escape(label(change, lang))}:</strong> {escape(note)}</p>"


def extension(note: str | None, change: str) -> dict[str, object]:
    """The JSON Feed `_kakehashi` fields of a note (none without one)."""
    if not note:
        return {}
    return {
        "correction": {"note": note, "kind": "correction" if change == "correction" else "note"}
    }
