"""Kana folding: one key for the spellings of a loanword, and variant suggestions from it.

:func:`fold` maps a term to a canonical key:

* NFKC (half-width katakana and full-width Latin become standard forms);
* hiragana becomes katakana;
* ヴァ ヴィ ヴ ヴェ ヴォ become バ ビ ブ ベ ボ (and ヷ ヸ ヹ ヺ likewise);
* small kana become large (ァ→ア, ャ→ヤ, ヮ→ワ, ヵ→カ, ヶ→ケ ...), so ウィ and ウイ agree;
* the long-vowel mark ー and the middle dot ・ are dropped.

The small ッ is kept: it marks a doubled consonant, and folding it into ツ would merge words
that differ in sound. A missing or extra ッ is found by edit distance instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from glossaries.model import Entry

__all__ = ["Suggestion", "fold", "katakana_words", "suggest_variants"]

_V_SOUNDS = {
    "ヴァ": "バ",
    "ヴィ": "ビ",
    "ヴェ": "ベ",
    "ヴォ": "ボ",
    "ヴ": "ブ",
    "ヷ": "バ",
    "ヸ": "ビ",
    "ヹ": "ベ",
    "ヺ": "ボ",
}
_V_PATTERN = re.compile("|".join(sorted(_V_SOUNDS, key=len, reverse=True)))
_SMALL = str.maketrans(
    "ァィゥェォャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ",
    "アイウエオヤユヨワカケクシストヌハヒフヘホムラリルレロ",
)
_DROPPED = str.maketrans("", "", "ー・")
_HIRAGANA = {code: code + 0x60 for code in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
_KATAKANA_RUN = re.compile("[ァ-ヺー-ヿㇰ-ㇿ]{2,}")
_MARKS_ONLY = re.compile("[ーヽヾ]+")
_KATAKANA_ONLY = re.compile("[ァ-ヺヽ-ヿㇰ-ㇿ]+")


def fold(text: str) -> str:
    """The canonical key of ``text`` for variant detection (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(_HIRAGANA)
    text = _V_PATTERN.sub(lambda m: _V_SOUNDS[m.group(0)], text)
    return text.translate(_SMALL).translate(_DROPPED)


def katakana_words(text: str) -> Counter[str]:
    """Maximal katakana runs (ー included, ・ separates) of two characters or more, counted.

    The text is NFKC-normalized first, so half-width katakana are counted in standard form.
    """
    runs = _KATAKANA_RUN.findall(unicodedata.normalize("NFKC", text))
    return Counter(run for run in runs if not _MARKS_ONLY.fullmatch(run))


@dataclass(frozen=True)
class Suggestion:
    """A spelling seen in articles that is probably a variant of an entry's term."""

    entry_id: str
    entry_source: str
    spelling: str
    count: int
    reason: str  # "kana-folding" | "edit-distance"


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made by deleting up to ``depth`` characters from it."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


_MIN_FUZZY_LENGTH = 4


def suggest_variants(
    entries: Iterable[Entry], katakana_words: Mapping[str, int], max_distance: int = 1
) -> list[Suggestion]:
    """Spellings in ``katakana_words`` (spelling -> count) that look like variants of entries.

    A spelling that already is a surface of some entry is never suggested. Otherwise it is
    suggested for every entry with a surface of equal :func:`fold` ("kana-folding"), or, when
    there is none and both folded forms have at least four characters, for every entry with an
    all-katakana surface within ``max_distance`` Levenshtein edits of it on the folded forms
    ("edit-distance"). Result: by count (highest first), then spelling, then entry source.
    """
    entries = list(entries)
    surfaces = {unicodedata.normalize("NFKC", s) for e in entries for s in e.surfaces()}
    by_key: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        for key in dict.fromkeys(fold(s) for s in entry.surfaces()):
            if key and entry not in by_key[key]:
                by_key[key].append(entry)
    index: dict[str, set[str]] = defaultdict(set)  # deletion -> folded surfaces
    if max_distance > 0:
        for key in by_key:
            if len(key) >= _MIN_FUZZY_LENGTH and _KATAKANA_ONLY.fullmatch(key):
                for deletion in _deletions(key, max_distance):
                    index[deletion].add(key)

    suggestions: list[Suggestion] = []
    for spelling, count in katakana_words.items():
        if unicodedata.normalize("NFKC", spelling) in surfaces:
            continue
        key = fold(spelling)
        if key in by_key:
            reason, keys = "kana-folding", [key]
        elif max_distance > 0 and len(key) >= _MIN_FUZZY_LENGTH:
            near = {k for d in _deletions(key, max_distance) for k in index.get(d, ())}
            reason = "edit-distance"
            keys = sorted(k for k in near if _distance(key, k, max_distance) <= max_distance)
        else:
            continue
        seen: set[str] = set()
        for k in keys:
            for entry in by_key[k]:
                if entry.id not in seen:
                    seen.add(entry.id)
                    suggestions.append(Suggestion(entry.id, entry.source, spelling, count, reason))
    suggestions.sort(key=lambda s: (-s.count, s.spelling, s.entry_source))
    return suggestions
