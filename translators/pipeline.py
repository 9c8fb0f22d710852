"""The glossary-enforcing translation pipeline. Pure orchestration: the engine, the glossary
matcher and the sentence cache are arguments.

normalize → paragraphs → sentences → match terms → cache lookup → protect (inline) →
one batched engine call for every miss of every text → verify terms → repair rounds
(placeholder, then split; one batched engine call per round) → quality flags → review
policy (:mod:`translators.review`) → cache store.

Guarantees, for any engine: exactly one :class:`Segment` per source sentence, in order;
every matched term with a rendering for the target is present in the translation, or its
segment carries "term-missing" and the result ``needs_review``. An engine declaring
``capabilities.reports_truncation`` marks a sentence cut at its length cap "truncated"; one
declaring ``capabilities.term_hints`` (a prompted decoder model) first gets the sentence
unaltered with its terms as hints (strategy "prompt"), then ``inline``, then ``split``.
Whether a result needs review, and why (``review_reasons``), is decided by a
:class:`~translators.review.ReviewPolicy`: "term-missing", "truncated" and "empty" always;
"untranslated", "repetition" and "number-mismatch" when too large a share of segments have
them. An engine whose ``strategy_memory`` is a
:class:`~translators.strategy_memory.StrategyMemory` lets sentences skip the strategy rounds
that keep failing with its model (the last resort, split, is never skipped).

Pivot: given a :class:`Route` of engines (e.g. ja→en, en→fr), every sentence goes through
each of its ``steps`` in turn (a single engine is its own only step), and the glossary is
enforced at every step. Step 1 protects each matched entry with its rendering for the
intermediate language (its ``en`` text, or the final rendering when it has none); each later
step finds those intermediate renderings in the sentence's translation, protects them the
same way (inline, placeholder, split) and maps them to the next language's rendering. An
entry whose intermediate rendering was lost cannot be located any more: it is still
reported, present only if the final rendering happens to occur, else "term-missing" — never
silent. Quality flags compare the final translation with the Japanese sentence. The sentence
is never re-split between steps, so the result keeps one segment per source sentence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from translators import protect
from translators._strategies import rounds
from translators._units import Unit, next_unit, units_of
from translators.check import check
from translators.engine import Engine
from translators.review import DEFAULT_POLICY, ReviewPolicy, review_reasons
from translators.route import Route

if TYPE_CHECKING:
    from glossaries.matching import Matcher
    from glossaries.model import Entry

__all__ = [
    "REVIEW_FLAGS",
    "Route",
    "Segment",
    "SentenceCache",
    "TermReport",
    "TranslationMemory",
    "TranslationResult",
    "sentence_key",
    "translate_texts",
]

# Segments with these flags are never cached: a later run may do better (an engine that broke
# its contract, a glossary fixed). A truncated output is cached with its flag: the same model
# truncates the same sentence again, and re-translating it would only cost time.
REVIEW_FLAGS = frozenset({"term-missing", "empty"})
_KEY_VERSION = "kakehashi-sentence-1"
_SPACELESS = frozenset({"zh", "ja"})


class SentenceCache(Protocol):
    def get_many(self, keys: Sequence[str]) -> list[str | None]: ...

    def set_many(self, items: Mapping[str, str]) -> None: ...


class TranslationMemory(Protocol):
    """Editors' translations of whole sentences, consulted before the engine.

    ``recall(target, queries)`` answers one translation or ``None`` per query, in order; a
    query is (normalized source sentence, the (entry id, rendering) pairs of the glossary terms
    matched in it for ``target``, sorted). An entry recorded under other renderings than the
    ones now in force must not answer (the service keeps such entries as stale).
    """

    def recall(
        self, target: str, queries: Sequence[tuple[str, tuple[tuple[str, str], ...]]]
    ) -> list[str | None]: ...


def sentence_key(
    *,
    package: str,
    version: str,
    source: str,
    target: str,
    sentence: str,
    terms: Sequence[tuple[str, str]],
) -> str:
    """The cache key of one sentence: SHA-256 over model identity, pair, text and terms.

    ``terms`` are the (entry id, rendering) pairs matched in this sentence only, so editing a
    glossary entry changes the keys of the sentences that use it and no others.
    """
    parts = [_KEY_VERSION, package, version, source, target, sentence, sorted(set(terms))]
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TermReport:
    source: str
    target: str
    present: bool
    strategy: str
    entry_id: str


@dataclass(frozen=True)
class Segment:
    paragraph: int
    source: str
    translation: str
    flags: tuple[str, ...]
    terms: tuple[TermReport, ...]
    # How the sentence was made (inline, placeholder, split, cache, memory): provenance, not
    # content, so equal translations compare equal however they were made.
    strategy: str = field(default="", compare=False)


@dataclass(frozen=True)
class TranslationResult:
    segments: tuple[Segment, ...]
    route: tuple[str, ...]
    needs_review: bool
    cache_hits: int
    cache_misses: int
    review_reasons: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The whole translation: :meth:`paragraphs` separated by blank lines."""
        return "\n\n".join(p for p in self.paragraphs() if p)

    def paragraphs(self) -> list[str]:
        """Translated paragraphs: sentences joined by a space, or by nothing for zh/ja."""
        glue = "" if self.route and self.route[-1] in _SPACELESS else " "
        grouped: dict[int, list[str]] = {}
        for segment in self.segments:
            grouped.setdefault(segment.paragraph, []).append(segment.translation.strip())
        return [glue.join(t for t in texts if t) for _, texts in sorted(grouped.items())]

    def to_dict(self) -> dict[str, object]:
        return {
            "segments": [
                {
                    "paragraph": s.paragraph,
                    "source": s.source,
                    "translation": s.translation,
                    "flags": list(s.flags),
                    "strategy": s.strategy,
                    "terms": [
                        {
                            "entry_id": t.entry_id,
                            "source": t.source,
                            "target": t.target,
                            "present": t.present,
                            "strategy": t.strategy,
                        }
                        for t in s.terms
                    ],
                }
                for s in self.segments
            ],
            "text": self.text,
            "route": list(self.route),
            "needs_review": self.needs_review,
            "review_reasons": list(self.review_reasons),
        }


def _decode_cached(value: str) -> tuple[str, str, bool]:
    """(translation, strategy, truncated) of a cached sentence."""
    try:
        data = json.loads(value)
    except json.JSONDecodeError:
        return value, "cache", False
    if isinstance(data, dict) and isinstance(data.get("t"), str):
        return data["t"], str(data.get("s") or "cache"), data.get("x") is True
    return value, "cache", False


def _segment(unit: Unit, source_lang: str, target: str) -> Segment:
    reports = []
    seen: set[str] = set()
    lost = [(term, original) for term, original, _ in unit.lost]
    for term, original in [*zip(unit.terms, unit.term_sources, strict=True), *lost]:
        if term.entry_id in seen:
            continue
        seen.add(term.entry_id)
        ok = protect.present(unit.translation, term)
        reports.append(
            TermReport(
                source=original,
                target=term.rendering,
                present=ok,
                strategy=unit.strategy if ok and unit.strategy else "none",
                entry_id=term.entry_id,
            )
        )
    # Renderings are exempt from the script and number checks.
    checked = unit.translation
    for term in [*unit.terms, *(t for t, _, _ in unit.lost)]:
        checked = checked.replace(term.rendering, " ")
    flags = check(
        unit.check_text or unit.text,
        checked if unit.translation.strip() else "",
        source_lang=source_lang,
        target=target,
    )
    if not all(r.present for r in reports):
        flags.append("term-missing")
    if (unit.truncated or unit.truncated_before) and unit.translation.strip():
        flags.append("truncated")
    return Segment(
        unit.paragraph,
        unit.source,
        unit.translation,
        tuple(flags),
        tuple(reports),
        "memory" if unit.remembered else ("cache" if unit.all_cached else unit.strategy),
    )


def _process(units: list[Unit], engine: Engine, cache: SentenceCache | None) -> None:
    """Cache lookup, then the strategy rounds for the misses (one engine call per round)."""
    for unit in units:
        unit.key = sentence_key(
            package=engine.package,
            version=engine.version,
            source=engine.source,
            target=engine.target,
            sentence=unit.text,
            terms=[(t.entry_id, t.rendering) for t in unit.terms],
        )
    if cache is not None and units:
        keys = list(dict.fromkeys(u.key for u in units))
        found = dict(zip(keys, cache.get_many(keys), strict=True))
        for unit in units:
            value = found.get(unit.key)
            if value is not None:
                unit.translation, unit.strategy, unit.truncated = _decode_cached(value)
                unit.cached = unit.done = True
    for unit in units:
        unit.all_cached = unit.all_cached and unit.cached
    rounds(engine, [u for u in units if not u.done], engine.strategy_memory)


def _store(units: list[Unit], segments: list[Segment], cache: SentenceCache | None) -> None:
    """Cache the fresh translations that need no review."""
    if cache is None:
        return
    store = {
        u.key: json.dumps(
            {"t": u.translation, "s": u.strategy, **({"x": True} if u.truncated else {})},
            ensure_ascii=False,
        )
        for u, s in zip(units, segments, strict=True)
        if not u.cached and not REVIEW_FLAGS.intersection(s.flags)
    }
    if store:
        cache.set_many(store)


def _recall(units: list[Unit], memory: TranslationMemory, final: str) -> set[int]:
    """Ask ``memory`` for every sentence; the ones it answers are done (ids of their units),
    their terms re-aimed at the final language's renderings for the checks."""
    queries = []
    for unit in units:
        pairs = {(e.id, e.rendering(final) or "") for e in unit.entries if e.rendering(final)}
        queries.append((unit.text, tuple(sorted(pairs))))
    if not queries:
        return set()
    answers = memory.recall(final, queries)
    hits: set[int] = set()
    for unit, answer in zip(units, answers, strict=True):
        if answer is None:
            continue
        unit.terms = [
            replace(t, rendering=e.rendering(final) or t.rendering)
            for t, e in zip(unit.terms, unit.entries, strict=True)
        ]
        unit.translation, unit.strategy = answer, "memory"
        unit.remembered = unit.done = True
        unit.all_cached = False
        hits.add(id(unit))
    return hits


def _render_for(lang: str, final: str) -> Callable[[Entry], str | None]:
    """The rendering of an entry to protect in ``lang`` on the way to ``final``: its ``lang``
    rendering, else the final one (an entry with no final rendering is not enforced)."""

    def render(entry: Entry) -> str | None:
        wanted = entry.rendering(final)
        if not wanted or lang == final:
            return wanted
        return entry.rendering(lang) or wanted

    return render


def _steps(
    units: list[Unit], engines: Sequence[Engine], cache: SentenceCache | None
) -> tuple[list[Unit], list[Segment]]:
    """Every step of the route in turn, batched across all units; the units as the last step
    left them, with their segments (one per unit, in order)."""
    source_lang, final = engines[0].source, engines[-1].target
    segments: list[Segment] = []
    for step, current in enumerate(engines):
        if step:
            units = [next_unit(u, _render_for(current.target, final)) for u in units]
        _process(units, current, cache)
        segments = [_segment(u, source_lang, current.target) for u in units]
        _store(units, segments, cache)
    return units, segments


def _results(
    ordered: list[tuple[Unit, Segment]], count: int, route: tuple[str, ...], policy: ReviewPolicy
) -> list[TranslationResult]:
    """One result per text, each judged by ``policy`` over its own segments."""
    results: list[TranslationResult] = []
    for doc in range(count):
        mine = [(u, s) for u, s in ordered if u.doc == doc]
        hits = sum(1 for u, _ in mine if u.all_cached)
        reasons = review_reasons([s for _, s in mine], policy)
        results.append(
            TranslationResult(
                segments=tuple(s for _, s in mine),
                route=route,
                needs_review=bool(reasons),
                cache_hits=hits,
                cache_misses=len(mine) - hits,
                review_reasons=tuple(reasons),
            )
        )
    return results


def translate_texts(
    texts: Sequence[str],
    *,
    engine: Engine,
    matcher: Matcher | None = None,
    cache: SentenceCache | None = None,
    policy: ReviewPolicy = DEFAULT_POLICY,
    memory: TranslationMemory | None = None,
) -> list[TranslationResult]:
    """Translate several texts with one batched engine call per round; one result per text.

    ``engine`` is one engine, or a :class:`Route` of engines for a pivot (e.g. ja→en→fr):
    each of its ``steps`` is batched across all texts too. ``policy`` decides which results
    need review. ``memory`` answers sentences an editor has translated before: those skip
    the engine (and the cache) and their segments say ``strategy == "memory"``.
    """
    engines = engine.steps
    source_lang, final = engines[0].source, engines[-1].target
    first = _render_for(engines[0].target, final)
    everything = [u for doc, text in enumerate(texts) for u in units_of(doc, text, matcher, first)]
    remembered = _recall(everything, memory, final) if memory is not None else set()
    units, segments = _steps([u for u in everything if id(u) not in remembered], engines, cache)
    # Back in source order: remembered sentences get their segment now, the others come as
    # the last step left them.
    stepped = iter(zip(units, segments, strict=True))
    ordered = [
        (u, _segment(u, source_lang, final)) if id(u) in remembered else next(stepped)
        for u in everything
    ]
    route = (source_lang, *(e.target for e in engines))
    return _results(ordered, len(texts), route, policy)
