"""Quality checks on one translated sentence. Pure: text in, flag names out.

Flags are advisory except "term-missing" and "empty", which make a result need review
(see :mod:`translators.pipeline`). The checks here never see the glossary.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter

__all__ = [
    "FLAGS",
    "check",
    "is_empty",
    "is_repetitive",
    "length_ratio_off",
    "missing_numbers",
    "untranslated",
]

FLAGS = ("empty", "repetition", "length-ratio", "untranslated", "number-mismatch")

# Target characters per Japanese source character (rough newswire averages).
_RATIO = {"en": 2.6, "fr": 3.0, "de": 3.0, "es": 3.0, "it": 3.0, "pt": 3.0, "ru": 2.8}
_RATIO_CJK = {"zh": 0.9, "ja": 1.0, "ko": 1.0}
_SPACELESS = frozenset({"zh", "ja"})
_JA_SCRIPT = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff]{2,}")
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]{2,}")
_NUMBER = re.compile(r"\d+(?:[.,\u2009 ]\d+)*")
_MONTHS = {
    m: names
    for m, names in enumerate(
        [
            ("jan", "janv", "ene", "gen"),
            ("feb", "fév", "fev", "feb"),
            ("mar", "mär", "marz"),
            ("apr", "avr", "abr"),
            ("may", "mai", "mayo", "mag"),
            ("jun", "juin", "juni"),
            ("jul", "juil", "juli"),
            ("aug", "août", "ago"),
            ("sep", "set"),
            ("oct", "okt", "ott"),
            ("nov",),
            ("dec", "déc", "dez", "dic"),
        ],
        start=1,
    )
}
_MONTH_IN_SOURCE = re.compile(r"(\d{1,2})\s*月")


def is_empty(source: str, translation: str) -> bool:
    return bool(source.strip()) and not translation.strip()


def _tokens(text: str, target: str) -> list[str]:
    if target in _SPACELESS or target == "ko":
        return [c for c in text if not c.isspace()]
    return text.lower().split()


def is_repetitive(translation: str, target: str) -> bool:
    """A token repeated in a flood: a long run of one token, or one token filling the text."""
    if re.search(r"(\S)\1{5,}", translation):
        return True
    tokens = _tokens(translation, target)
    if len(tokens) < 4:
        return False
    run = longest = 1
    for prev, cur in itertools.pairwise(tokens):
        run = run + 1 if cur == prev else 1
        longest = max(longest, run)
    limit = 6 if target in _SPACELESS else 4
    if longest >= limit:
        return True
    _, top = Counter(tokens).most_common(1)[0]
    return len(tokens) >= 10 and top / len(tokens) > 0.4


def length_ratio_off(source: str, translation: str, source_lang: str, target: str) -> bool:
    """Target length far (more than 3x) from the expected length."""
    src = len(source.strip())
    if src < 8 or not translation.strip():
        return False
    ratio = _RATIO_CJK.get(target) or _RATIO.get(target, 2.8)
    if source_lang != "ja":
        ratio = 1.0 if target not in _RATIO_CJK else 0.35
    expected = src * ratio
    actual = len(translation.strip())
    return actual > expected * 3 or actual < expected / 3


def untranslated(translation: str, target: str) -> bool:
    """Japanese script left in a target that does not use it."""
    if target == "ja":
        return False
    pattern = _KANA if target == "zh" else _JA_SCRIPT
    return pattern.search(translation) is not None


def _canonical(number: str) -> set[str]:
    """Readings of a written number: thousands separators dropped, decimal comma as point."""
    compact = number.replace("\u2009", " ")
    parts = re.split(r"[., ]", compact)
    seps = re.findall(r"[., ]", compact)
    readings = {"".join(parts)}
    if seps and all(len(p) == 3 for p in parts[1:]):
        readings.add("".join(parts))
    if len(parts) == 2 and seps[0] in ".,":
        readings.add(f"{parts[0]}.{parts[1]}")
    return readings


def missing_numbers(source: str, translation: str) -> list[str]:
    """Numbers (figures, years, percentages) of the source not found in the translation.

    Digits are compared after NFKC and without thousands separators. Small integers (below
    10, not decimals) are exempt, as translators spell them out; a month number is also
    satisfied by a month name.
    """
    src = unicodedata.normalize("NFKC", source)
    tgt = unicodedata.normalize("NFKC", translation)
    found: set[str] = set()
    for written in _NUMBER.findall(tgt):
        found |= _canonical(written)
    lowered = tgt.lower()
    months = {int(m) for m in _MONTH_IN_SOURCE.findall(src)}
    missing: list[str] = []
    for written in _NUMBER.findall(src):
        readings = _canonical(written)
        if readings & found:
            continue
        value = written.replace(",", "")
        if value.isdigit() and int(value) < 10:
            continue
        month = int(value) if value.isdigit() and int(value) in months else 0
        if month and any(name in lowered for name in _MONTHS.get(month, ())):
            continue
        missing.append(written)
    return missing


def check(source: str, translation: str, *, source_lang: str = "ja", target: str) -> list[str]:
    """The quality flags of one sentence, in :data:`FLAGS` order."""
    if is_empty(source, translation):
        return ["empty"]
    flags: list[str] = []
    if is_repetitive(translation, target):
        flags.append("repetition")
    if length_ratio_off(source, translation, source_lang, target):
        flags.append("length-ratio")
    if untranslated(translation, target):
        flags.append("untranslated")
    if missing_numbers(source, translation):
        flags.append("number-mismatch")
    return flags
