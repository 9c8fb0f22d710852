"""Glossary files in and out: DeepL, AWS Translate and kakehashi's own CSV/TSV (str <-> values).

Formats (``<family>-<csv|tsv>``):

* ``deepl``: two columns, source and target, no header; one target language (``target_lang``).
  DeepL's CSV may add two columns, the source and target languages (DeepL documents them as
  optional); its TSV has no quoting at all (see :mod:`glossaries.service_formats`).
* ``aws``: a header of language codes, the first being the source language; one row per term.
  An empty cell means "no rendering in that language"; a row needs at least one.
* ``kakehashi``: header ``source,aliases,dnt,case_sensitive,status,note,<lang>...`` with an
  optional ``id`` column. Aliases are separated by ``|``; ``dnt`` and ``case_sensitive`` are
  ``true``, ``false`` or empty (false); ``status`` is ``draft``, ``approved`` or empty
  (approved). A row needs a rendering unless it is ``dnt``.

Cells are stripped of surrounding whitespace and blank lines are skipped. Every problem is
reported as a :class:`LineError` with the 1-based line of the row and that line's text; rows
with errors are left out and the others kept. Exports write ``\\n`` line ends and quote only
where needed. DeepL and AWS exports are read by those services: they hold approved entries
only, each alias as an entry of its own, and no spreadsheet guard; kakehashi's own files are
opened in spreadsheets and keep the guard.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from glossaries._families import META, Collector, LineError, read_aws, read_deepl, read_kakehashi
from glossaries._language import DEFAULT_TARGETS, language_code
from glossaries.compare import GlossaryDiff, diff
from glossaries.model import _FORBIDDEN, Entry, Glossary, entry_id, forbidden_character
from glossaries.service_formats import deepl_tsv_rows, service_rows, write_deepl_tsv, write_rows

__all__ = [
    "FORMATS",
    "GlossaryDiff",
    "ImportResult",
    "LineError",
    "MissingTargetLang",
    "diff",
    "export",
    "parse",
]

FORMATS = ("aws-csv", "aws-tsv", "deepl-csv", "deepl-tsv", "kakehashi-csv", "kakehashi-tsv")
_DELIMITERS = {"csv": ",", "tsv": "\t"}


class MissingTargetLang(ValueError):
    """A DeepL file that names no target language, read without one."""


@dataclass
class ImportResult:
    """What :func:`parse` made of a file: the good entries, the errors and the format used."""

    entries: list[Entry]
    errors: list[LineError]
    format: str

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading -------------------------------------------------------------------------------


def _rows(text: str, delimiter: str, unguard: bool = True) -> Iterator[tuple[int, list[str]]]:
    """(first line of the row, stripped cells) for each non-blank row; with ``unguard`` (our
    spreadsheet-bound files) the export's formula guard is removed again."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _SyntaxError(line, f"unreadable {_name(delimiter)}: {error}") from None
        cells = [cell.strip() for cell in cells]
        if unguard:
            cells = [_unguard(cell) for cell in cells]
        if any(cells):
            yield line, cells


# A cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection list).
_FORMULA_STARTS = frozenset("=+-@\t\r")


def _unguard(cell: str) -> str:
    """Undo :func:`_guard`: our exports put ``'`` before a cell a spreadsheet would run."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in _FORMULA_STARTS:
        return cell[1:]
    return cell


def _unstorable(text: str) -> list[LineError]:
    """One error per line holding a character no glossary text may hold (NUL, other control
    characters, bidi overrides): nothing of such a file is imported."""
    errors = []
    for number, line in enumerate(text.split("\n"), 1):
        found = forbidden_character(line.rstrip("\r"))
        if found is not None:
            errors.append(LineError(number, f"holds {found}, a character glossaries refuse"))
    return errors


class _SyntaxError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.error = LineError(line, message)


def _name(delimiter: str) -> str:
    return "TSV" if delimiter == "\t" else "CSV"


def detect(text: str) -> str | None:
    """The format of ``text`` judged from its first non-blank line, or None."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "\t" in first:
        delimiter, suffix = "\t", "tsv"
    elif "," in first:
        delimiter, suffix = ",", "csv"
    else:
        return None
    try:
        # A TSV is split plainly: DeepL's TSV keeps quotes ("Quote" marks) as text.
        _, cells = next(_rows(first, delimiter) if suffix == "csv" else deepl_tsv_rows(first))
    except (StopIteration, _SyntaxError):
        return None
    if cells[0].lower() == "source":
        return f"kakehashi-{suffix}"
    if len(cells) >= 2 and all(language_code(cell) for cell in cells):
        return f"aws-{suffix}"
    return f"deepl-{suffix}"


def _split(format: str) -> tuple[str, str]:
    if format not in FORMATS:
        raise ValueError(f"unknown glossary format {format!r}; expected one of {FORMATS}")
    family, _, suffix = format.partition("-")
    return family, _DELIMITERS[suffix]


def parse(
    text: str,
    *,
    format: str = "auto",
    source_lang: str = "ja",
    target_lang: str | None = None,
    target_lang_name: str = "the target_lang parameter",
) -> ImportResult:
    """Read glossary entries from ``text`` in ``format`` (or the detected one).

    Raises ValueError for a wrong call (unknown format, missing or bad ``target_lang`` for
    DeepL, worded with ``target_lang_name``: the API's parameter or the CLI's flag); problems
    in the text itself come back as ``ImportResult.errors``.
    """
    result = _parse(text, format, source_lang, target_lang, target_lang_name)
    if result.errors:
        lines = text.removeprefix("\ufeff").split("\n")
        result.errors[:] = [
            LineError(e.line, e.message, _line_text(lines, e.line)) for e in result.errors
        ]
    return result


def _line_text(lines: list[str], number: int) -> str:
    text = lines[number - 1].rstrip("\r") if 0 < number <= len(lines) else ""
    text = _FORBIDDEN.sub("\ufffd", text)  # shown to a person: no NUL, no bidi override
    return text if len(text) <= 200 else text[:199] + "…"


def _parse(
    text: str, format: str, source_lang: str, target_lang: str | None, target_lang_name: str
) -> ImportResult:
    text = text.removeprefix("\ufeff")
    refused = _unstorable(text)
    if refused:
        return ImportResult([], refused, format)
    if format == "auto":
        detected = detect(text)
        if detected is None:
            line = next((n for n, s in enumerate(text.splitlines(), 1) if s.strip()), 1)
            message = "cannot detect the format: no tab or comma on the first non-blank line"
            return ImportResult([], [LineError(line, message)], "unknown")
        format = detected
    family, delimiter = _split(format)
    out = Collector()
    source_lang = language_code(source_lang) or source_lang
    if format == "deepl-tsv":
        rows = deepl_tsv_rows(text)
    else:  # DeepL's and AWS's terms are exact: no spreadsheet guard to remove
        rows = _rows(text, delimiter, unguard=family == "kakehashi")
    try:
        if family == "deepl":
            if target_lang is None and format == "deepl-csv":
                target_lang = _named_target(text)
            target = _required_target(target_lang, target_lang_name)
            langs = (source_lang, target)
            read_deepl(rows, langs, out, with_languages=format == "deepl-csv")
        elif family == "aws":
            read_aws(rows, source_lang, out)
        else:
            read_kakehashi(rows, out)
    except _SyntaxError as error:
        out.errors.append(error.error)
    return ImportResult(out.entries, out.errors, format)


def _named_target(text: str) -> str | None:
    """The target language a DeepL CSV names in column 4 of its first row, if it does."""
    try:
        _, cells = next(_rows(text, ","))
    except (StopIteration, _SyntaxError):
        return None
    return cells[3] if len(cells) == 4 and language_code(cells[3]) else None


def _required_target(target_lang: str | None, name: str = "the target_lang parameter") -> str:
    if not target_lang:
        raise MissingTargetLang(
            f"a DeepL file names no language: set {name} to the language of its second "
            "column (for example en)"
        )
    code = language_code(target_lang)
    if code is None:
        raise ValueError(f"target_lang {target_lang!r} is not a language code such as en or pt-BR")
    return code


# --- writing -------------------------------------------------------------------------------


def _languages(entries: Sequence[Entry]) -> list[str]:
    """The default targets first, then any other language used, alphabetically."""
    extra = sorted({lang for e in entries for lang in e.targets} - set(DEFAULT_TARGETS))
    return [*DEFAULT_TARGETS, *extra]


def _flag(value: bool) -> str:
    return "true" if value else ""


def _guard(cell: str) -> str:
    """The cell as a spreadsheet shows it but never runs it: ``'`` before a formula start."""
    return f"'{cell}" if cell[:1] in _FORMULA_STARTS else cell


class _GuardedWriter:
    """csv.writer whose every cell goes through :func:`_guard` (header cells are ours)."""

    def __init__(self, buffer: io.StringIO, delimiter: str) -> None:
        self._writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")

    def writerow(self, cells: Sequence[str]) -> None:
        self._writer.writerow([_guard(cell) for cell in cells])


def export(glossary: Glossary, *, format: str, target_lang: str | None = None) -> str:
    """Write ``glossary`` in ``format``; entries keep the glossary's order.

    In kakehashi's own (spreadsheet-bound) formats, cells that a spreadsheet would execute
    (starting with ``= + - @``, a tab or a carriage return) get a leading ``'`` (the OWASP CSV
    injection rule); :func:`parse` removes it again, so an export imports back unchanged.
    DeepL and AWS files carry the exact terms (:mod:`glossaries.service_formats`)."""
    family, delimiter = _split(format)
    if family == "deepl":
        lang = _required_target(target_lang)
        pairs = ((term, r[0]) for term, r in service_rows(glossary.approved(), [lang]))
        return write_deepl_tsv(pairs) if format == "deepl-tsv" else write_rows(pairs, ",")
    if family == "aws":
        langs = [lang for lang in _languages(glossary.approved()) if lang != glossary.source_lang]
        rows = service_rows(glossary.approved(), langs)
        header = [glossary.source_lang, *langs]
        return write_rows(iter([header, *([term, *r] for term, r in rows)]), delimiter)
    buffer = io.StringIO()
    writer = _GuardedWriter(buffer, delimiter)
    langs = _languages(glossary.entries)
    with_id = any(e.id != entry_id(e.source) for e in glossary.entries)
    meta = list(META[:6]) + (["id"] if with_id else [])
    writer.writerow([*meta, *langs])
    for e in glossary.entries:
        row = [e.source, "|".join(e.aliases), _flag(e.do_not_translate)]
        row += [_flag(e.case_sensitive), e.status, e.note] + ([e.id] if with_id else [])
        writer.writerow(row + [e.targets.get(lang, "") for lang in langs])
    return buffer.getvalue()
