"""Glossaries: the term model, matching, kana folding, file exchange and shipped data.

Pure: no I/O beyond reading the package's own data files, and nothing else of kakehashi.
"""

from glossaries.exchange import GlossaryDiff, ImportResult, LineError, diff, export, parse
from glossaries.kana import Suggestion, fold, katakana_words, suggest_variants
from glossaries.matching import Match, Matcher
from glossaries.model import Entry, Glossary, forbidden_character
from glossaries.shipped import shipped_glossaries

__all__ = [
    "Entry",
    "Glossary",
    "GlossaryDiff",
    "ImportResult",
    "LineError",
    "Match",
    "Matcher",
    "Suggestion",
    "diff",
    "export",
    "fold",
    "forbidden_character",
    "katakana_words",
    "parse",
    "shipped_glossaries",
    "suggest_variants",
]
