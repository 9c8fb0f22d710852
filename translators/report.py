"""The translation report, typed and versioned: what each sentence became and why, for the
store, the review desk and the API, with its one JSON codec (:func:`encode`, :func:`decode`).
Editing it (corrections, approval) is :mod:`translators.corrections`.

Stored shape (version 2; a stored dict without ``version`` is version 1, the same shape
without the field, and reads the same)::

    {"version": 2, "review_reasons": [...], "cache": {"hits": 3, "misses": 1},
     "title" | "summary" | "body": {"segments": [{"paragraph", "source", "translation",
         "flags", "strategy", "terms": [{"entry_id", "source", "target", "present",
         "strategy"}]}], "text", "route", "needs_review", "review_reasons"},
     "approved": {"by", "at", "reasons"},       # only once approved
     "rejected": {"by", "at", "note"}}          # only once rejected

A newer version than :data:`VERSION` is refused (:class:`ReportError`), never half-read: code
rolled back after a newer one stored reports must not rewrite them with fields dropped.

Pure: no I/O; timestamps are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from translators.pipeline import Segment, TermReport, TranslationResult

if TYPE_CHECKING:
    from translators.article import ArticleTranslation

__all__ = [
    "PARTS",
    "VERSION",
    "Approval",
    "Part",
    "PartReport",
    "Rejection",
    "Report",
    "ReportError",
    "decode",
    "encode",
]

VERSION = 2
Part = Literal["title", "summary", "body"]
PARTS: tuple[Part, ...] = ("title", "summary", "body")


class ReportError(ValueError):
    """A stored report this codec cannot read (a newer version, or not a report)."""


@dataclass(frozen=True)
class PartReport:
    """One part of an article (title, summary or body): its segments and verdict."""

    segments: tuple[Segment, ...]
    route: tuple[str, ...]
    needs_review: bool
    review_reasons: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return self.result.text

    @property
    def result(self) -> TranslationResult:
        """As the pipeline's result (its paragraph glue, its text)."""
        return TranslationResult(
            self.segments, self.route, self.needs_review, 0, 0, self.review_reasons
        )

    @classmethod
    def of(cls, result: TranslationResult) -> PartReport:
        return cls(result.segments, result.route, result.needs_review, result.review_reasons)


@dataclass(frozen=True)
class Approval:
    by: str
    at: str  # ISO 8601, as stored
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Rejection:
    by: str
    at: str  # ISO 8601, as stored
    note: str


@dataclass(frozen=True)
class Report:
    title: PartReport
    summary: PartReport
    body: PartReport
    review_reasons: tuple[str, ...]
    cache_hits: int = 0
    cache_misses: int = 0
    approved: Approval | None = None
    rejected: Rejection | None = None

    def part(self, name: Part) -> PartReport:
        found: PartReport = getattr(self, name)
        return found

    def texts(self) -> tuple[str, str | None, str]:
        """(title, summary or None, text body) as :func:`translators.article.translate_article`
        joins them: the title's paragraphs by a space, the others' by blank lines. An HTML
        body's text is its markup, which the report does not hold: keep the stored one."""
        title = " ".join(p for p in self.title.result.paragraphs() if p)
        summary = "\n\n".join(p for p in self.summary.result.paragraphs() if p)
        return title, summary or None, "\n\n".join(p for p in self.body.result.paragraphs() if p)

    def flat(self) -> list[tuple[int, Part, Segment]]:
        """Every segment, title then summary then body, numbered from 0 (the review desk's
        segment index)."""
        out: list[tuple[int, Part, Segment]] = []
        for name in PARTS:
            out += [(len(out) + i, name, s) for i, s in enumerate(self.part(name).segments)]
        return out

    @classmethod
    def of(cls, article: ArticleTranslation) -> Report:
        return cls(
            title=PartReport.of(article.title_result),
            summary=PartReport.of(article.summary_result),
            body=PartReport.of(article.body_result),
            review_reasons=article.review_reasons,
            cache_hits=article.cache_hits,
            cache_misses=article.cache_misses,
        )


# --- the codec -----------------------------------------------------------------------------


def _term(t: TermReport) -> dict[str, Any]:
    return {
        "entry_id": t.entry_id,
        "source": t.source,
        "target": t.target,
        "present": t.present,
        "strategy": t.strategy,
    }


def _segment(s: Segment) -> dict[str, Any]:
    return {
        "paragraph": s.paragraph,
        "source": s.source,
        "translation": s.translation,
        "flags": list(s.flags),
        "strategy": s.strategy,
        "terms": [_term(t) for t in s.terms],
    }


def _part(p: PartReport) -> dict[str, Any]:
    return {
        "segments": [_segment(s) for s in p.segments],
        "text": p.text,
        "route": list(p.route),
        "needs_review": p.needs_review,
        "review_reasons": list(p.review_reasons),
    }


def encode(report: Report) -> dict[str, Any]:
    """The JSON-ready dict stored for ``report`` (the shape in the module docstring)."""
    data: dict[str, Any] = {"version": VERSION, "review_reasons": list(report.review_reasons)}
    for name in PARTS:
        data[name] = _part(report.part(name))
    data["cache"] = {"hits": report.cache_hits, "misses": report.cache_misses}
    if report.approved is not None:
        a = report.approved
        data["approved"] = {"by": a.by, "at": a.at, "reasons": list(a.reasons)}
    if report.rejected is not None:
        j = report.rejected
        data["rejected"] = {"by": j.by, "at": j.at, "note": j.note}
    return data


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _read_term(data: Mapping[str, Any]) -> TermReport:
    return TermReport(
        source=str(data.get("source", "")),
        target=str(data.get("target", "")),
        present=data.get("present") is True,
        strategy=str(data.get("strategy") or "none"),
        entry_id=str(data.get("entry_id") or ""),
    )


def _read_segment(data: Mapping[str, Any]) -> Segment:
    terms = data.get("terms")
    return Segment(
        paragraph=int(data.get("paragraph", 0)),
        source=str(data.get("source", "")),
        translation=str(data.get("translation", "")),
        flags=_strings(data.get("flags")),
        terms=tuple(_read_term(t) for t in terms if isinstance(t, Mapping))
        if isinstance(terms, list)
        else (),
        strategy=str(data.get("strategy") or ""),
    )


def _read_part(data: object, route: tuple[str, ...]) -> PartReport:
    if not isinstance(data, Mapping):
        return PartReport((), route, False)
    segments = data.get("segments")
    return PartReport(
        segments=tuple(_read_segment(s) for s in segments if isinstance(s, Mapping))
        if isinstance(segments, list)
        else (),
        route=_strings(data.get("route")) or route,
        needs_review=data.get("needs_review") is True,
        review_reasons=_strings(data.get("review_reasons")),
    )


def _version(data: Mapping[str, Any]) -> int:
    version = data.get("version", 1)  # stored before the field existed: version 1
    # bool is an int in Python: a stored `true` is not version 1.
    if type(version) is not int or version < 1:
        raise ReportError(f"report version {version!r} is not a version this code knows")
    if version > VERSION:
        raise ReportError(
            f"report version {version} is newer than this code reads (up to {VERSION}): "
            "it was stored by a newer kakehashi; upgrade this one to read it"
        )
    return version


def _read_approval(data: object) -> Approval | None:
    if not isinstance(data, Mapping):
        return None
    return Approval(str(data.get("by", "")), str(data.get("at", "")), _strings(data.get("reasons")))


def _read_rejection(data: object) -> Rejection | None:
    if not isinstance(data, Mapping):
        return None
    return Rejection(str(data.get("by", "")), str(data.get("at", "")), str(data.get("note", "")))


def decode(data: Mapping[str, Any], route: Sequence[str] = ()) -> Report:
    """The report stored as ``data`` (version 1 or 2; ReportError for anything else).
    ``route``: the translation's route, for parts stored without one. A stored ``text`` is
    not read: it is the segments' text."""
    if not isinstance(data, Mapping):
        raise ReportError("a report is a JSON object")
    _version(data)  # versions 1 and 2 have one shape: nothing to convert yet
    fallback = tuple(route)
    stored_cache = data.get("cache")
    cache: Mapping[str, Any] = stored_cache if isinstance(stored_cache, Mapping) else {}
    try:
        return Report(
            title=_read_part(data.get("title"), fallback),
            summary=_read_part(data.get("summary"), fallback),
            body=_read_part(data.get("body"), fallback),
            review_reasons=_strings(data.get("review_reasons")),
            cache_hits=int(cache.get("hits", 0)),
            cache_misses=int(cache.get("misses", 0)),
            approved=_read_approval(data.get("approved")),
            rejected=_read_rejection(data.get("rejected")),
        )
    except (TypeError, ValueError) as exc:  # e.g. a paragraph number that is not a number
        raise ReportError(f"not a translation report: {exc}") from exc
