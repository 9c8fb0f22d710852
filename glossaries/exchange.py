"""Glossary files in and out: DeepL, AWS Translate and kakehashi's own CSV/TSV (str <-> values).

Formats (``<family>-<csv|tsv>``):

* ``deepl``: two columns, source and target, no header; one target language (``target_lang``).
* ``aws``: a header of language codes, the first being the source language; one row per term.
  An empty cell means "no rendering in that language"; a row needs at least one.
* ``kakehashi``: header ``source,aliases,dnt,case_sensitive,status,note,<lang>...`` with an
  optional ``id`` column. Aliases are separated by ``|``; ``dnt`` and ``case_sensitive`` are
  ``true``, ``false`` or empty (false); ``status`` is ``draft``, ``approved`` or empty
  (approved). A row needs a rendering unless it is ``dnt``.

Cells are stripped of surrounding whitespace and blank lines are skipped. Every problem is
reported as a :class:`LineError` with the 1-based line of the row; rows with errors are left
out and the others kept. Exports write ``\\n`` line ends and quote only where needed; DeepL and
AWS exports hold approved entries only and no aliases (those formats have neither).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from glossaries._language import DEFAULT_TARGETS, language_code
from glossaries.model import STATUSES, Entry, Glossary, entry_id, forbidden_character

__all__ = ["FORMATS", "GlossaryDiff", "ImportResult", "LineError", "diff", "export", "parse"]

FORMATS = ("aws-csv", "aws-tsv", "deepl-csv", "deepl-tsv", "kakehashi-csv", "kakehashi-tsv")
_DELIMITERS = {"csv": ",", "tsv": "\t"}
_META = ("source", "aliases", "dnt", "case_sensitive", "status", "note", "id")
_BOOLEANS = {"": False, "false": False, "true": True}


@dataclass(frozen=True)
class LineError:
    """A problem found on one line (1-based; line 1 is the header where there is one)."""

    line: int
    message: str


@dataclass
class ImportResult:
    """What :func:`parse` made of a file: the good entries, the errors and the format used."""

    entries: list[Entry]
    errors: list[LineError]
    format: str

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class GlossaryDiff:
    """How a new set of entries differs from an old one, keyed by source."""

    added: tuple[Entry, ...] = ()
    changed: tuple[tuple[Entry, Entry], ...] = ()  # (old, new)
    removed: tuple[Entry, ...] = ()
    unchanged: tuple[Entry, ...] = field(default=(), repr=False)

    def __bool__(self) -> bool:
        """True when anything was added, changed or removed."""
        return bool(self.added or self.changed or self.removed)


# --- reading -------------------------------------------------------------------------------


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the row, stripped cells) for each non-blank row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _SyntaxError(line, f"unreadable {_name(delimiter)}: {error}") from None
        cells = [_unguard(cell.strip()) for cell in cells]
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
        _, cells = next(_rows(first, delimiter))
    except (StopIteration, _SyntaxError):
        return None
    if cells[0].lower() == "source":
        return f"kakehashi-{suffix}"
    if len(cells) >= 2 and all(language_code(cell) for cell in cells):
        return f"aws-{suffix}"
    return f"deepl-{suffix}"


class _Collector:
    """Gathers entries and errors, refusing a source seen before."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.errors: list[LineError] = []
        self._first_line: dict[str, int] = {}

    def error(self, line: int, message: str) -> None:
        self.errors.append(LineError(line, message))

    def check_source(self, line: int, source: str) -> bool:
        if not source:
            self.error(line, "empty source")
            return False
        if source in self._first_line:
            first = self._first_line[source]
            self.error(line, f"duplicate source {source!r} (first on line {first})")
            return False
        self._first_line[source] = line
        return True


def _parse_deepl(rows: Iterator[tuple[int, list[str]]], target_lang: str, out: _Collector) -> None:
    for line, cells in rows:
        if len(cells) != 2:
            out.error(line, f"expected 2 columns (source, target), found {len(cells)}")
            continue
        source, target = cells
        if not out.check_source(line, source):
            continue
        if not target:
            out.error(line, f"empty rendering for {target_lang!r} of {source!r}")
            continue
        out.entries.append(Entry(source, {target_lang: target}))


def _header_languages(line: int, names: list[str], out: _Collector) -> list[str] | None:
    """Canonical language codes for header cells, or None after reporting the bad ones."""
    codes: list[str] = []
    for number, name in enumerate(names, 1):
        code = language_code(name)
        if code is None:
            out.error(line, f"column {number}: {name!r} is not a language code")
        elif code in codes:
            out.error(line, f"column {number}: language {code!r} appears twice")
        else:
            codes.append(code)
    return None if out.errors else codes


def _parse_aws(rows: Iterator[tuple[int, list[str]]], source_lang: str, out: _Collector) -> None:
    header = next(rows, None)
    if header is None:
        return
    line, names = header
    codes = _header_languages(line, names, out)
    if codes is None:
        return
    if len(codes) < 2:
        out.error(line, "header needs the source language and at least one target language")
        return
    if codes[0] != source_lang:
        out.error(line, f"column 1 is {codes[0]!r} but the source language is {source_lang!r}")
        return
    for line, cells in rows:
        if len(cells) != len(codes):
            out.error(line, f"expected {len(codes)} columns, found {len(cells)}")
            continue
        if not out.check_source(line, cells[0]):
            continue
        targets = {code: cell for code, cell in zip(codes[1:], cells[1:], strict=True) if cell}
        if not targets:
            out.error(line, f"empty rendering: {cells[0]!r} has no rendering in any language")
            continue
        out.entries.append(Entry(cells[0], targets))


def _kakehashi_header(line: int, names: list[str], out: _Collector) -> list[str] | None:
    """Column keys: meta field names or canonical language codes."""
    keys: list[str] = []
    for number, name in enumerate(names, 1):
        key = name.lower() if name.lower() in _META else language_code(name)
        if key is None:
            out.error(line, f"column {number}: {name!r} is neither a field nor a language code")
        elif key in keys:
            out.error(line, f"column {number}: {key!r} appears twice")
        else:
            keys.append(key)
    if keys and keys[0] != "source" and not out.errors:
        out.error(line, "column 1 must be 'source'")
    return None if out.errors else keys


def _boolean(line: int, column: str, value: str, out: _Collector) -> bool | None:
    if value.lower() in _BOOLEANS:
        return _BOOLEANS[value.lower()]
    out.error(line, f"{column}: expected true, false or empty, found {value!r}")
    return None


def _parse_kakehashi(rows: Iterator[tuple[int, list[str]]], out: _Collector) -> None:
    header = next(rows, None)
    if header is None:
        return
    keys = _kakehashi_header(*header, out)
    if keys is None:
        return
    for line, cells in rows:
        if len(cells) != len(keys):
            out.error(line, f"expected {len(keys)} columns, found {len(cells)}")
            continue
        row = dict(zip(keys, cells, strict=True))
        source = row["source"]
        before = len(out.errors)
        dnt = _boolean(line, "dnt", row.get("dnt", ""), out)
        case_sensitive = _boolean(line, "case_sensitive", row.get("case_sensitive", ""), out)
        status = row.get("status", "").lower() or "approved"
        if status not in STATUSES:
            out.error(line, f"status: expected draft, approved or empty, found {status!r}")
        targets = {key: value for key, value in row.items() if key not in _META and value}
        if dnt is False and not targets and source:
            out.error(line, f"empty rendering: {source!r} has no rendering and is not dnt")
        valid_source = out.check_source(line, source)
        if not valid_source or len(out.errors) != before or dnt is None or case_sensitive is None:
            continue
        aliases = (a.strip() for a in row.get("aliases", "").split("|"))
        out.entries.append(
            Entry(
                source,
                targets,
                aliases=tuple(a for a in dict.fromkeys(aliases) if a and a != source),
                do_not_translate=dnt,
                case_sensitive=case_sensitive,
                note=row.get("note", ""),
                status=status,
                id=row.get("id", ""),
            )
        )


def _split(format: str) -> tuple[str, str]:
    if format not in FORMATS:
        raise ValueError(f"unknown glossary format {format!r}; expected one of {FORMATS}")
    family, _, suffix = format.partition("-")
    return family, _DELIMITERS[suffix]


def parse(
    text: str, *, format: str = "auto", source_lang: str = "ja", target_lang: str | None = None
) -> ImportResult:
    """Read glossary entries from ``text`` in ``format`` (or the detected one).

    Raises ValueError for a wrong call (unknown format, missing or bad ``target_lang`` for
    DeepL); problems in the text itself come back as ``ImportResult.errors``.
    """
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
    out = _Collector()
    rows = _rows(text, delimiter)
    try:
        if family == "deepl":
            _parse_deepl(rows, _required_target(target_lang), out)
        elif family == "aws":
            _parse_aws(rows, language_code(source_lang) or source_lang, out)
        else:
            _parse_kakehashi(rows, out)
    except _SyntaxError as error:
        out.errors.append(error.error)
    return ImportResult(out.entries, out.errors, format)


def _required_target(target_lang: str | None) -> str:
    if not target_lang:
        raise ValueError(
            "a DeepL file names no language: add the target_lang parameter with the language "
            "of its second column (for example target_lang=en)"
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

    Cells that a spreadsheet would execute (starting with ``= + - @``, a tab or a carriage
    return) get a leading ``'`` (the OWASP CSV injection rule); :func:`parse` removes it again,
    so an export imports back unchanged."""
    family, delimiter = _split(format)
    buffer = io.StringIO()
    writer = _GuardedWriter(buffer, delimiter)
    if family == "deepl":
        lang = _required_target(target_lang)
        for entry in glossary.approved():
            rendering = entry.rendering(lang)
            if rendering:
                writer.writerow([entry.source, rendering])
    elif family == "aws":
        langs = [lang for lang in _languages(glossary.approved()) if lang != glossary.source_lang]
        writer.writerow([glossary.source_lang, *langs])
        for entry in glossary.approved():
            writer.writerow([entry.source, *(entry.rendering(lang) or "" for lang in langs)])
    else:
        langs = _languages(glossary.entries)
        with_id = any(e.id != entry_id(e.source) for e in glossary.entries)
        meta = list(_META[:6]) + (["id"] if with_id else [])
        writer.writerow([*meta, *langs])
        for e in glossary.entries:
            row = [e.source, "|".join(e.aliases), _flag(e.do_not_translate)]
            row += [_flag(e.case_sensitive), e.status, e.note] + ([e.id] if with_id else [])
            writer.writerow(row + [e.targets.get(lang, "") for lang in langs])
    return buffer.getvalue()


# --- comparing -----------------------------------------------------------------------------


def diff(old: Sequence[Entry], new: Sequence[Entry]) -> GlossaryDiff:
    """Compare two sets of entries by source (the first entry of a source counts).

    ``added`` and ``changed`` follow the order of ``new``, ``removed`` that of ``old``.
    """
    before: dict[str, Entry] = {}
    for entry in old:
        before.setdefault(entry.source, entry)
    after: dict[str, Entry] = {}
    for entry in new:
        after.setdefault(entry.source, entry)
    added = tuple(e for s, e in after.items() if s not in before)
    changed = tuple((before[s], e) for s, e in after.items() if s in before and before[s] != e)
    unchanged = tuple(e for s, e in after.items() if s in before and before[s] == e)
    removed = tuple(e for s, e in before.items() if s not in after)
    return GlossaryDiff(added, changed, removed, unchanged)
