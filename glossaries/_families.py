"""What the rows of each glossary file family mean (see :mod:`glossaries.exchange`): DeepL's
term pairs, AWS Translate's language columns and kakehashi's own columns. Each reader checks
its rows and gathers entries and 1-based line errors in a :class:`Collector`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from glossaries._language import language_code
from glossaries.model import STATUSES, Entry

# kakehashi's own columns besides the languages (the header's first six, in this order, then
# an optional ``id``).
META = ("source", "aliases", "dnt", "case_sensitive", "status", "note", "id")
_BOOLEANS = {"": False, "false": False, "true": True}
Rows = Iterator[tuple[int, list[str]]]  # (first line of the row, its stripped cells)


@dataclass(frozen=True)
class LineError:
    """A problem found on one line (1-based; line 1 is the header where there is one), with
    the text of that line (cut at 200 characters) so a reader sees what is wrong."""

    line: int
    message: str
    text: str = field(default="", compare=False)


class Collector:
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


def _deepl_languages(
    line: int, cells: list[str], source_lang: str, target_lang: str, out: Collector
) -> bool:
    """Whether a DeepL CSV row's language columns (3 and 4) name the languages imported."""
    source, target = language_code(cells[2]), language_code(cells[3])
    if source != source_lang:
        out.error(line, f"column 3 is {cells[2]!r} but the source language is {source_lang!r}")
    elif target != target_lang:
        out.error(line, f"column 4 is {cells[3]!r} but the target language is {target_lang!r}")
    else:
        return True
    return False


def read_deepl(
    rows: Rows,
    langs: tuple[str, str],
    out: Collector,
    *,
    with_languages: bool,
) -> None:
    source_lang, target_lang = langs
    expected = "2 or 4 columns (source, target[, source language, target language])"
    for line, cells in rows:
        if len(cells) == 4 and with_languages:
            if not _deepl_languages(line, cells, source_lang, target_lang, out):
                continue
            cells = cells[:2]
        if len(cells) != 2:
            shape = expected if with_languages else "2 columns (source, target)"
            out.error(line, f"expected {shape}, found {len(cells)}")
            continue
        source, target = cells
        if not out.check_source(line, source):
            continue
        if not target:
            out.error(line, f"empty rendering for {target_lang!r} of {source!r}")
            continue
        out.entries.append(Entry(source, {target_lang: target}))


def _header_languages(line: int, names: list[str], out: Collector) -> list[str] | None:
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


def read_aws(rows: Rows, source_lang: str, out: Collector) -> None:
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


def _kakehashi_header(line: int, names: list[str], out: Collector) -> list[str] | None:
    """Column keys: meta field names or canonical language codes."""
    keys: list[str] = []
    for number, name in enumerate(names, 1):
        key = name.lower() if name.lower() in META else language_code(name)
        if key is None:
            out.error(line, f"column {number}: {name!r} is neither a field nor a language code")
        elif key in keys:
            out.error(line, f"column {number}: {key!r} appears twice")
        else:
            keys.append(key)
    if keys and keys[0] != "source" and not out.errors:
        out.error(line, "column 1 must be 'source'")
    return None if out.errors else keys


def _boolean(line: int, column: str, value: str, out: Collector) -> bool | None:
    if value.lower() in _BOOLEANS:
        return _BOOLEANS[value.lower()]
    out.error(line, f"{column}: expected true, false or empty, found {value!r}")
    return None


def read_kakehashi(rows: Rows, out: Collector) -> None:
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
        targets = {key: value for key, value in row.items() if key not in META and value}
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
