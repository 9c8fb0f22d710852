"""NFKC normalization that keeps a map back to the original text."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["Normalized", "normalize"]

_NEWLINES = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"}
# Marks that NFKC folds into the preceding character (half-width and combining voicing marks).
_JOINERS = frozenset("\u3099\u309a\uff9e\uff9f")


@dataclass(frozen=True)
class Normalized:
    """Normalized text; ``offsets[i]`` is the index in the original of character ``i``.

    ``offsets`` has ``len(text) + 1`` entries; the last is the original's length, so the
    original span of ``text[a:b]`` is ``original[offsets[a]:offsets[b]]``.
    """

    text: str
    offsets: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span in the original text covering normalized ``text[start:end]``."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        # A cluster expanded to several characters maps every one to its start; extend the
        # end to the next cluster boundary so that the span covers the whole cluster.
        last = self.offsets[end - 1]
        stop = end
        while stop < len(self.text) and self.offsets[stop] == last:
            stop += 1
        return self.offsets[start], self.offsets[stop]


def _clusters(text: str) -> list[tuple[int, str]]:
    """Split ``text`` into (start, cluster): a base character plus the marks bound to it."""
    clusters: list[tuple[int, str]] = []
    i = 0
    while i < len(text):
        if text.startswith("\r\n", i):
            clusters.append((i, "\r\n"))
            i += 2
            continue
        j = i + 1
        while j < len(text) and (text[j] in _JOINERS or unicodedata.combining(text[j])):
            j += 1
        clusters.append((i, text[i:j]))
        i = j
    return clusters


def normalize(text: str) -> Normalized:
    """NFKC each character cluster and unify newlines to ``\\n``, keeping offsets."""
    out: list[str] = []
    offsets: list[int] = []
    for start, cluster in _clusters(text):
        folded = _NEWLINES.get(cluster)
        if folded is None:
            folded = unicodedata.normalize("NFKC", cluster)
        out.append(folded)
        offsets.extend([start] * len(folded))
    offsets.append(len(text))
    return Normalized(text="".join(out), offsets=tuple(offsets))
