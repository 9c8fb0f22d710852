"""The glossaries shipped with kakehashi, read from the package data (read-only).

Each ``data/<name>.<source_lang>.tsv`` file is in the kakehashi-tsv format.
"""

from __future__ import annotations

from importlib import resources

from glossaries.exchange import parse
from glossaries.model import Glossary

__all__ = ["ShippedGlossaryError", "shipped_glossaries"]

_DESCRIPTIONS = {"security": "Security and foreign affairs"}


class ShippedGlossaryError(ValueError):
    """A shipped glossary file does not parse cleanly (a packaging bug)."""


def shipped_glossaries() -> list[Glossary]:
    """Every shipped glossary, by file name; raises ShippedGlossaryError on any bad line."""
    glossaries: list[Glossary] = []
    data = resources.files("glossaries").joinpath("data")
    for item in sorted(data.iterdir(), key=lambda item: item.name):
        name, _, rest = item.name.partition(".")
        source_lang, _, suffix = rest.partition(".")
        if suffix != "tsv" or not item.is_file():
            continue
        result = parse(item.read_text(encoding="utf-8"), format="kakehashi-tsv")
        if result.errors:
            problems = "; ".join(f"line {e.line}: {e.message}" for e in result.errors)
            raise ShippedGlossaryError(f"{item.name}: {problems}")
        glossaries.append(
            Glossary(name, tuple(result.entries), _DESCRIPTIONS.get(name, ""), source_lang)
        )
    return glossaries
