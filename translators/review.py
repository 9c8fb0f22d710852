"""The review policy, in one place: when a translation must be seen by an editor before it
reaches partners' default feeds. Pure: segment flags in, reasons out.

A translation needs review when any segment misses a glossary term ("term-missing"), was cut
at its decoding cap ("truncated") or came out empty ("empty"), or when more than
``max_flagged_share`` of its segments carry a severe quality flag ("untranslated",
"repetition", "number-mismatch": each alone has false positives, so one flagged sentence in
a long article does not hold it back, but a translation where they pile up is degenerate).
"length-ratio" is advisory only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "ALWAYS_REVIEW",
    "DEFAULT_POLICY",
    "SEVERE_FLAGS",
    "Flagged",
    "ReviewPolicy",
    "review_reasons",
]

ALWAYS_REVIEW = ("term-missing", "truncated", "empty")
SEVERE_FLAGS = ("untranslated", "repetition", "number-mismatch")


class Flagged(Protocol):
    @property
    def flags(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class ReviewPolicy:
    """``max_flagged_share``: the largest share (0..1) of segments with severe flags that
    still passes; 1.0 disables the share rule."""

    max_flagged_share: float = 0.2
    severe_flags: tuple[str, ...] = SEVERE_FLAGS

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_flagged_share <= 1.0:
            raise ValueError("max_flagged_share must be between 0 and 1")


DEFAULT_POLICY = ReviewPolicy()


def review_reasons(segments: Sequence[Flagged], policy: ReviewPolicy = DEFAULT_POLICY) -> list[str]:
    """Why these segments need review (empty: they do not), e.g. ``["truncated",
    "too-many-flags:repetition"]``. The share reason names each severe flag present, most
    frequent first."""
    seen = {flag for segment in segments for flag in segment.flags}
    reasons = [flag for flag in ALWAYS_REVIEW if flag in seen]
    severe = [s for s in segments if any(f in policy.severe_flags for f in s.flags)]
    if segments and len(severe) / len(segments) > policy.max_flagged_share:
        counts = Counter(f for s in severe for f in s.flags if f in policy.severe_flags)
        order = {flag: i for i, flag in enumerate(policy.severe_flags)}
        ranked = sorted(counts, key=lambda f: (-counts[f], order[f]))
        reasons += [f"too-many-flags:{flag}" for flag in ranked]
    return reasons
