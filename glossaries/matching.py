"""Finding glossary terms in text: one Aho-Corasick pass, leftmost-longest, script-aware edges.

Rules, in order:

* Only approved entries are indexed unless ``include_drafts`` is set.
* Surfaces (source and aliases) are NFKC-normalized when the automaton is built; the text given
  to :meth:`Matcher.find` must already be NFKC-normalized by the caller.
* Entries are case-insensitive unless ``case_sensitive`` is set (``str.lower`` on both sides).
* When several entries share a surface, the first approved one wins (or, with drafts included,
  the first approved one before any draft); a case-sensitive surface wins over a
  case-insensitive one at the same span.
* A match whose first (last) character is katakana (ー included, ・ not) is refused when the
  character before (after) it is katakana too; likewise a Latin-letter edge next to a Latin
  letter or digit. So ロシア does not match inside ロシアン…, nor NATO inside NATOs.
* Among the remaining candidates, the leftmost wins and, at one start, the longest.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter

import ahocorasick

from glossaries._script import is_katakana, is_latin_letter, is_latin_word_char
from glossaries.model import Entry

__all__ = ["Match", "Matcher"]


@dataclass(frozen=True)
class Match:
    """One occurrence of an entry: ``text[start:end] == surface``."""

    start: int
    end: int
    surface: str
    entry: Entry


def _fold_case(text: str) -> str:
    """``text.lower()`` when it keeps every offset, else a per-character equivalent that does."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(low := c.lower()) != 1 else low for c in text)


def _edge_ok(
    text: str, inner: int, outer: int, joins: Callable[[str], bool], edge: Callable[[str], bool]
) -> bool:
    """False when the match edge at ``inner`` and its neighbour at ``outer`` form one word."""
    if outer < 0 or outer >= len(text):
        return True
    return not (edge(text[inner]) and joins(text[outer]))


def _boundaries_ok(text: str, start: int, end: int) -> bool:
    last = end - 1
    return (
        _edge_ok(text, start, start - 1, is_katakana, is_katakana)
        and _edge_ok(text, last, end, is_katakana, is_katakana)
        and _edge_ok(text, start, start - 1, is_latin_word_char, is_latin_letter)
        and _edge_ok(text, last, end, is_latin_word_char, is_latin_letter)
    )


_Value = tuple[int, Entry, bool]  # (surface length, entry, whether its edges need checking)


def _needs_check(surface: str) -> bool:
    return any(is_katakana(c) or is_latin_letter(c) for c in (surface[0], surface[-1]))


class Matcher:
    """An Aho-Corasick index over the surfaces of some entries."""

    def __init__(self, entries: Iterable[Entry], *, include_drafts: bool = False) -> None:
        chosen = [e for e in entries if include_drafts or e.status == "approved"]
        # Stable sort: approved before drafts, otherwise glossary order; first surface wins.
        chosen.sort(key=lambda e: e.status != "approved")
        exact: dict[str, _Value] = {}
        folded: dict[str, _Value] = {}
        used: set[str] = set()
        for entry in chosen:
            for raw in entry.surfaces():
                surface = unicodedata.normalize("NFKC", raw)
                if not surface:
                    continue
                key = _fold_case(surface)
                if entry.case_sensitive and key != surface:
                    table = exact
                else:
                    table, surface = folded, key
                if surface not in table:
                    table[surface] = (len(surface), entry, _needs_check(surface))
                    used.add(entry.id)
        self._count = len(used)
        self._exact = self._automaton(exact)
        self._folded = self._automaton(folded)

    @staticmethod
    def _automaton(table: dict[str, _Value]) -> ahocorasick.Automaton | None:
        if not table:
            return None
        automaton = ahocorasick.Automaton()
        for key, value in table.items():
            automaton.add_word(key, value)
        automaton.make_automaton()
        return automaton

    def __len__(self) -> int:
        """The number of entries with at least one indexed surface."""
        return self._count

    def find(self, text: str) -> list[Match]:
        """Non-overlapping matches in ``text`` (NFKC already), leftmost-longest, by start."""
        candidates: list[tuple[int, int, int, Entry]] = []
        # rank 0 (exact case) sorts before rank 1 at the same span.
        for rank, automaton, haystack in (
            (0, self._exact, text),
            (1, self._folded, _fold_case(text) if self._folded is not None else text),
        ):
            if automaton is None:
                continue
            for last, (length, entry, check) in automaton.iter(haystack):
                start = last + 1 - length
                if not check or _boundaries_ok(text, start, last + 1):
                    candidates.append((start, -length, rank, entry))
        candidates.sort(key=itemgetter(0, 1, 2))
        matches: list[Match] = []
        position = 0
        for start, negative_length, _rank, entry in candidates:
            if start < position:
                continue
            end = start - negative_length
            matches.append(Match(start, end, text[start:end], entry))
            position = end
        return matches
