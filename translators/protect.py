"""Glossary term protection: the strategies that put a term's rendering into a translation.

Pure functions over a sentence and its matched terms. Strategies, tried in this order:

1. ``inline`` — the source surface is replaced by the target rendering before translation
   ("…マスカロフカ…" → "…maskirovka…"). Argos models are trained on web text where Latin
   words inside Japanese sentences are common and copied through, and the model still sees a
   real word it can place grammatically, so this survives best and reads most naturally.
2. ``placeholder`` — the surface becomes an opaque Latin token (``ZQ1``) that models copy
   verbatim more reliably than tags or brackets (which SentencePiece splits and models drop);
   the token is swapped for the rendering after translation.
3. ``split`` — the last resort: the pieces around the terms are translated separately and
   joined with the renderings in between. The rendering is then present by construction,
   whatever the model does, at the cost of fluency.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "STRATEGIES",
    "Term",
    "inline",
    "join_pieces",
    "needs_engine",
    "pieces",
    "placeholders",
    "plain",
    "present",
    "restore",
]

STRATEGIES = ("inline", "placeholder", "split")
_SPACELESS = frozenset({"zh", "ja"})
_TOKEN = re.compile(r"(?<![A-Za-z0-9])Z\s?Q\s?(\d{1,3})(?![0-9])", re.IGNORECASE)
_PUNCT = str.maketrans({"。": ".", "、": ",", "「": '"', "」": '"', "『": '"', "』": '"'})


@dataclass(frozen=True)
class Term:
    """A glossary match in a sentence: ``sentence[start:end] == surface``."""

    start: int
    end: int
    surface: str
    rendering: str
    entry_id: str
    case_sensitive: bool = False


def _spaced(sentence: str, start: int, end: int, text: str) -> str:
    """``text`` with a space on a side where it would fuse with an adjacent Latin word."""
    before = sentence[start - 1] if start else ""
    after = sentence[end] if end < len(sentence) else ""
    left = " " if before.isascii() and before.isalnum() else ""
    right = " " if after.isascii() and after.isalnum() else ""
    return f"{left}{text}{right}"


def _replace(sentence: str, terms: Sequence[Term], texts: Sequence[str]) -> str:
    out: list[str] = []
    cursor = 0
    for term, text in zip(terms, texts, strict=True):
        out.append(sentence[cursor : term.start])
        out.append(_spaced(sentence, term.start, term.end, text))
        cursor = term.end
    out.append(sentence[cursor:])
    return "".join(out)


def inline(sentence: str, terms: Sequence[Term]) -> str:
    """Strategy 1: each term replaced by its rendering."""
    return _replace(sentence, terms, [t.rendering for t in terms])


def placeholders(sentence: str, terms: Sequence[Term]) -> str:
    """Strategy 2: each term replaced by ``ZQ<n>`` (n counts from 1 in sentence order)."""
    return _replace(sentence, terms, [f"ZQ{i}" for i in range(1, len(terms) + 1)])


def restore(translation: str, terms: Sequence[Term]) -> str:
    """Swap the placeholders of :func:`placeholders` back for the renderings."""

    def swap(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return terms[index].rendering if 0 <= index < len(terms) else match.group(0)

    return _TOKEN.sub(swap, translation)


def pieces(sentence: str, terms: Sequence[Term]) -> list[str]:
    """Strategy 3: the ``len(terms) + 1`` stretches of the sentence around the terms."""
    out: list[str] = []
    cursor = 0
    for term in terms:
        out.append(sentence[cursor : term.start])
        cursor = term.end
    out.append(sentence[cursor:])
    return out


def needs_engine(piece: str) -> bool:
    """Whether a piece has words to translate (not just spaces and punctuation)."""
    return any(unicodedata.category(c)[0] in "LN" for c in piece)


def plain(piece: str, target: str) -> str:
    """A piece without words, rendered without the engine (punctuation mapped)."""
    text = unicodedata.normalize("NFKC", piece).strip()
    return text if target in _SPACELESS else text.translate(_PUNCT)


def join_pieces(translated: Sequence[str], terms: Sequence[Term], target: str) -> str:
    """Interleave translated pieces with the renderings (spaces unless zh/ja)."""
    parts: list[str] = []
    for i, piece in enumerate(translated):
        parts.append(piece.strip())
        if i < len(terms):
            parts.append(terms[i].rendering)
    glue = "" if target in _SPACELESS else " "
    text = glue.join(p for p in parts if p)
    return re.sub(r" +([.,;:!?])", r"\1", text) if glue else text


def present(translation: str, term: Term) -> bool:
    """Whether the rendering occurs in the translation (case-insensitive unless marked)."""
    if term.case_sensitive:
        return term.rendering in translation
    return term.rendering.casefold() in translation.casefold()
