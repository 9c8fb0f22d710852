"""An editor's corrections applied to a translation report, and its approval. Pure: a
:class:`~translators.report.Report` in, a new one out (the caller stores it, remembers the
corrected sentences, writes the history).

A correction names a segment by its index in :meth:`Report.flat` order (title, summary,
body) and gives its new text. It is refused, all corrections at once with one reason per
bad one, when its index is out of range, corrected twice, in an HTML body (whose markup the
segments do not hold) or empty. An applied correction replaces the translation, clears the
flags, marks the strategy ``editor``; the parts' texts follow from their segments. (The
markup of an HTML body is the caller's: the review desk corrects it with
``service.review.html_corrections``, on top of :func:`apply_corrections`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from translators.pipeline import TermReport
from translators.report import PARTS, Approval, Part, PartReport, Rejection, Report

__all__ = [
    "Change",
    "Corrected",
    "Correction",
    "CorrectionError",
    "Problem",
    "apply_corrections",
    "approved",
    "rejected",
]


@dataclass(frozen=True)
class Correction:
    index: int
    translation: str


@dataclass(frozen=True)
class Problem:
    position: int  # which correction of the list
    index: int
    message: str


class CorrectionError(ValueError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("some corrections cannot be applied")
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Change:
    """One applied correction: for the history and the translation memory."""

    index: int
    part: Part
    source: str
    before: str
    after: str
    terms: tuple[TermReport, ...]


@dataclass(frozen=True)
class Corrected:
    report: Report
    changes: tuple[Change, ...]


def _problems(report: Report, corrections: Sequence[Correction], html_body: bool) -> list[Problem]:
    flat = report.flat()
    problems: list[Problem] = []
    seen: set[int] = set()
    for n, c in enumerate(corrections):
        if not 0 <= c.index < len(flat):
            problems.append(Problem(n, c.index, "no segment with this index"))
        elif c.index in seen:
            problems.append(Problem(n, c.index, "corrected twice"))
        elif flat[c.index][1] == "body" and html_body:
            message = "segments of an HTML body cannot be corrected here yet"
            problems.append(Problem(n, c.index, message))
        elif not c.translation.strip():
            problems.append(Problem(n, c.index, "empty text"))
        seen.add(c.index)
    return problems


def apply_corrections(
    report: Report, corrections: Sequence[Correction], *, html_body: bool = False
) -> Corrected:
    """``report`` with ``corrections`` applied (CorrectionError, naming each bad one, if any
    cannot be); ``html_body``: the body is HTML, its segments cannot be corrected here."""
    problems = _problems(report, corrections, html_body)
    if problems:
        raise CorrectionError(problems)
    flat = report.flat()
    wanted = {c.index: c.translation.strip() for c in corrections}
    changes: list[Change] = []
    parts: dict[Part, PartReport] = {}
    for name in PARTS:
        part = report.part(name)
        segments = list(part.segments)
        for index, where, segment in flat:
            if where != name or index not in wanted:
                continue
            local = index - next(i for i, w, _ in flat if w == name)
            text = wanted[index]
            segments[local] = replace(segment, translation=text, flags=(), strategy="editor")
            changes.append(
                Change(index, name, segment.source, segment.translation, text, segment.terms)
            )
        parts[name] = replace(part, segments=tuple(segments))
    order = [c.index for c in corrections]
    changes.sort(key=lambda c: order.index(c.index))  # in the order they were given
    new = replace(report, title=parts["title"], summary=parts["summary"], body=parts["body"])
    return Corrected(new, tuple(changes))


def approved(report: Report, *, by: str, at: str) -> Report:
    """``report`` approved by ``by`` at ``at`` (ISO 8601): no part needs review any more, and
    the reasons it needed it are kept in the approval."""
    return replace(
        report,
        title=replace(report.title, needs_review=False, review_reasons=()),
        summary=replace(report.summary, needs_review=False, review_reasons=()),
        body=replace(report.body, needs_review=False, review_reasons=()),
        review_reasons=(),
        approved=Approval(by, at, report.review_reasons),
    )


def rejected(report: Report, *, by: str, at: str, note: str) -> Report:
    """``report`` rejected by ``by`` at ``at`` (ISO 8601) with ``note``: its verdicts and
    reasons stay (it still needs review, for keys that read drafts), it leaves the queue."""
    return replace(report, rejected=Rejection(by, at, note))
