"""The glossary formats translation services read (DeepL, AWS Translate), written and read the
way those services do.

These files go to a service, not a spreadsheet, so they carry exactly the terms:

* no spreadsheet-injection guard: DeepL and AWS store a leading ``'`` as part of the term
  (``'@MofaJapan_en``), so the guard of the spreadsheet-bound kakehashi formats would corrupt
  them;
* aliases become entries of their own (the formats have no alias field; without them the
  service would not enforce the term when the article spells it the other way);
* terms a service refuses (DeepL: C0/C1 control characters, U+2028/U+2029, so no tab or line
  break) are left out rather than written into a file the service would reject whole.

DeepL's TSV is *not* CSV with tabs: DeepL's own client (`deepl.util.convert_tsv_to_dict`)
splits each line at its tab and keeps quotes as part of the term, so a TSV is written and read
here without any quoting. DeepL's CSV is RFC 4180 (Python's csv module in DeepL's client) with
two columns, or four: source, target, source language, target language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence

from glossaries.model import Entry

__all__ = ["deepl_tsv_rows", "service_rows", "service_term_ok", "write_deepl_tsv", "write_rows"]

# What DeepL's validate_glossary_term refuses; AWS Translate's terminology rules refuse
# line breaks in a term as well.
_REFUSED = re.compile("[\x00-\x1f\x80-\x9f\u2028\u2029]")


def service_term_ok(term: str) -> bool:
    return bool(term.strip()) and _REFUSED.search(term) is None


def _spellings(entry: Entry) -> list[str]:
    return [s for s in entry.surfaces() if service_term_ok(s)]


def service_rows(entries: Sequence[Entry], langs: Sequence[str]) -> Iterator[tuple[str, list[str]]]:
    """(term, renderings in ``langs``) for every spelling of every entry, each term once.

    A rendering a service would refuse is written empty; a row with no rendering left is
    dropped."""
    seen: set[str] = set()
    for entry in entries:
        renderings = [entry.rendering(lang) or "" for lang in langs]
        renderings = [r if service_term_ok(r) else "" for r in renderings]
        if not any(renderings):
            continue
        for spelling in _spellings(entry):
            if spelling not in seen:
                seen.add(spelling)
                yield spelling, renderings


def write_rows(rows: Iterator[Sequence[str]], delimiter: str) -> str:
    """RFC 4180 CSV (or its tab-separated form, for AWS), quoting only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def write_deepl_tsv(rows: Iterator[Sequence[str]]) -> str:
    """One ``source<TAB>target`` line per term, nothing quoted (DeepL keeps quotes)."""
    return "".join(f"{source}\t{target}\n" for source, target in rows)


def deepl_tsv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line, stripped cells) of each non-blank line, split at tabs as DeepL's client does:
    a quote is an ordinary character there."""
    for number, line in enumerate(text.split("\n"), 1):
        cells = [cell.strip() for cell in line.rstrip("\r").split("\t")]
        if any(cells):
            yield number, cells
