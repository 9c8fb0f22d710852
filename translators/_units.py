"""Sentence units: one source sentence with its glossary terms, on its way through the
pipeline (:mod:`translators.pipeline`), and how a unit moves to the next step of a pivot
route (the previous step's translation, its terms located again)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from translators.normalize import normalize
from translators.protect import Term
from translators.segment import split_paragraphs, split_sentences

if TYPE_CHECKING:
    from glossaries.matching import Matcher
    from glossaries.model import Entry

__all__ = ["Unit", "next_unit", "occurrences", "units_of"]


@dataclass
class Unit:
    """One source sentence on its way through the pipeline."""

    doc: int
    paragraph: int
    source: str  # original text
    text: str  # normalized text, what the engine sees
    terms: list[Term]
    term_sources: list[str]  # original spelling of each term
    entries: list[Entry] = field(default_factory=list)  # glossary entry of each term
    # Terms of a route no longer locatable in the text: (term, original spelling, entry).
    lost: list[tuple[Term, str, Entry]] = field(default_factory=list)
    check_text: str = ""  # what the quality checks compare with (default: ``text``)
    all_cached: bool = True  # every step of a route came from the cache
    key: str = ""
    translation: str = ""
    truncated: bool = False  # ``translation`` was cut at its decoding cap
    truncated_before: bool = False  # an earlier step of a route was
    strategy: str = ""
    cached: bool = False
    done: bool = False
    attempts: list[str] = field(default_factory=list)
    remembered: bool = False  # the translation came from the translation memory


def units_of(
    doc: int, text: str, matcher: Matcher | None, render: Callable[[Entry], str | None]
) -> list[Unit]:
    norm = normalize(text)
    units: list[Unit] = []
    cursor = 0
    for p_index, paragraph in enumerate(split_paragraphs(norm.text)):
        p_start = norm.text.index(paragraph, cursor)
        cursor = p_start + len(paragraph)
        s_cursor = 0
        for sentence in split_sentences(paragraph):
            s_local = paragraph.index(sentence, s_cursor)
            s_cursor = s_local + len(sentence)
            start = p_start + s_local
            a, b = norm.original_span(start, start + len(sentence))
            terms: list[Term] = []
            term_sources: list[str] = []
            entries: list[Entry] = []
            for match in matcher.find(sentence) if matcher is not None else ():
                rendering = render(match.entry)
                if not rendering:
                    continue  # nothing to enforce for this language
                terms.append(
                    Term(
                        start=match.start,
                        end=match.end,
                        surface=match.surface,
                        rendering=rendering,
                        entry_id=match.entry.id,
                        case_sensitive=match.entry.case_sensitive,
                    )
                )
                entries.append(match.entry)
                ta, tb = norm.original_span(start + match.start, start + match.end)
                term_sources.append(text[ta:tb])
            units.append(Unit(doc, p_index, text[a:b], sentence, terms, term_sources, entries))
    return units


def occurrences(text: str, term: Term) -> list[tuple[int, int]]:
    """Spans of ``term.rendering`` in ``text`` (case-insensitive unless marked)."""
    needle = term.rendering if term.case_sensitive else term.rendering.casefold()
    hay = text if term.case_sensitive else text.casefold()
    if not needle or len(hay) != len(text):
        hay, needle = text, term.rendering  # casefold changed offsets: exact search only
    spans: list[tuple[int, int]] = []
    start = hay.find(needle)
    while start >= 0 and needle:
        spans.append((start, start + len(needle)))
        start = hay.find(needle, start + len(needle))
    return spans


def next_unit(prev: Unit, render: Callable[[Entry], str | None]) -> Unit:
    """The unit of the next step of a route: the previous translation, its terms located."""
    text = prev.translation
    candidates: list[tuple[int, int, Term, str, Entry]] = []
    located: set[str] = set()
    for term, original, entry in zip(prev.terms, prev.term_sources, prev.entries, strict=True):
        rendering = render(entry)
        if not rendering:
            continue
        spans = occurrences(text, term)
        for a, b in spans:
            moved = Term(a, b, text[a:b], rendering, entry.id, entry.case_sensitive)
            candidates.append((a, b, moved, original, entry))
        if spans:
            located.add(entry.id)
    lost: list[tuple[Term, str, Entry]] = []
    seen: set[str] = set()
    missing = [
        (t, o, e)
        for t, o, e in zip(prev.terms, prev.term_sources, prev.entries, strict=True)
        if e.id not in located
    ]
    for _, original, entry in [*prev.lost, *missing]:
        rendering = render(entry)
        if rendering and entry.id not in seen:
            seen.add(entry.id)
            lost.append(
                (Term(0, 0, "", rendering, entry.id, entry.case_sensitive), original, entry)
            )
    # Leftmost-longest, non-overlapping.
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    terms: list[Term] = []
    sources: list[str] = []
    entries: list[Entry] = []
    end = -1
    for a, b, moved, original, entry in candidates:
        if a >= end:
            terms.append(moved)
            sources.append(original)
            entries.append(entry)
            end = b
    return Unit(
        doc=prev.doc,
        paragraph=prev.paragraph,
        source=prev.source,
        text=text,
        terms=terms,
        term_sources=sources,
        entries=entries,
        lost=lost,
        check_text=prev.check_text or prev.text,
        all_cached=prev.all_cached,
        truncated_before=prev.truncated or prev.truncated_before,
    )
