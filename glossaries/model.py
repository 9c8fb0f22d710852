"""The glossary model: an entry (one term and its renderings) and a glossary (named entries)."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["STATUSES", "Entry", "Glossary", "entry_id", "forbidden_character"]

STATUSES = ("draft", "approved")

# What no glossary text may hold: characters no store or feed can carry (PostgreSQL text refuses
# NUL; XML 1.0 refuses the other C0 controls, lone surrogates, U+FFFE and U+FFFF), C1 controls,
# and the bidi embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069), which
# would reorder the words of every title a term is put into.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def forbidden_character(text: str) -> str | None:
    """The first character of ``text`` that glossary text may not hold, as ``U+XXXX``."""
    found = _FORBIDDEN.search(text)
    return None if found is None else f"U+{ord(found[0]):04X}"


def entry_id(source: str) -> str:
    """The default stable id of an entry: 12 hex digits of the SHA-256 of its NFKC source."""
    key = unicodedata.normalize("NFKC", source).encode("utf-8")
    return hashlib.sha256(key).hexdigest()[:12]


@dataclass(frozen=True)
class Entry:
    """One term as editors write it, with its rendering per target language.

    ``targets`` is copied into a read-only mapping, so an entry cannot change after creation;
    it takes no part in hashing (equality still compares it). ``id`` defaults to
    :func:`entry_id` of the source.
    """

    source: str
    targets: Mapping[str, str] = field(hash=False)
    aliases: tuple[str, ...] = ()
    do_not_translate: bool = False
    case_sensitive: bool = False
    note: str = ""
    status: str = "approved"
    id: str = ""

    def __post_init__(self) -> None:
        if not self.source:
            raise ValueError("an entry needs a non-empty source")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        object.__setattr__(self, "targets", MappingProxyType(dict(self.targets)))
        object.__setattr__(self, "aliases", tuple(self.aliases))
        if not self.id:
            object.__setattr__(self, "id", entry_id(self.source))

    def rendering(self, lang: str) -> str | None:
        """The text to put in a ``lang`` translation, or None when the entry has none.

        A do-not-translate entry falls back to its source when no target is given.
        """
        target = self.targets.get(lang)
        if target:
            return target
        return self.source if self.do_not_translate else None

    def surfaces(self) -> tuple[str, ...]:
        """Every spelling that matches this entry: the source, then the aliases."""
        return (self.source, *self.aliases)

    def canonical(self) -> dict[str, object]:
        """A plain, JSON-serializable form with sorted targets (used for hashing)."""
        return {
            "source": self.source,
            "targets": dict(sorted(self.targets.items())),
            "aliases": list(self.aliases),
            "do_not_translate": self.do_not_translate,
            "case_sensitive": self.case_sensitive,
            "note": self.note,
            "status": self.status,
            "id": self.id,
        }


@dataclass(frozen=True)
class Glossary:
    """A named collection of entries in one source language."""

    name: str
    entries: tuple[Entry, ...]
    description: str = ""
    source_lang: str = "ja"

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(self.entries))

    def version(self) -> str:
        """A short hex hash of the content: source language and entries, in any order.

        Name and description are labels, not content: renaming a glossary keeps its version.
        """
        lines = sorted(
            json.dumps(e.canonical(), ensure_ascii=False, sort_keys=True) for e in self.entries
        )
        digest = hashlib.sha256(self.source_lang.encode("utf-8"))
        for line in lines:
            digest.update(b"\n" + line.encode("utf-8"))
        return digest.hexdigest()[:16]

    def approved(self) -> tuple[Entry, ...]:
        """The entries whose status is ``approved``, in glossary order."""
        return tuple(e for e in self.entries if e.status == "approved")
