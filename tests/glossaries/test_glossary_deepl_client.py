"""DeepL exports as DeepL's own Python client (`deepl`, test extra) reads them, and files written
the way DeepL users write them, read by us (issue 20 items 2-5).

`deepl.util.convert_tsv_to_dict` and `convert_csv_to_dict` are what `create_glossary` and
`create_glossary_from_csv` run on a file before it is sent: what they return is what DeepL
stores. AWS's terminology rules (CSV/TSV, a header of language codes, the term exactly as it
is written) are checked with the csv module, the reader AWS documents for its format.
"""

from __future__ import annotations

import csv
import io

import pytest

from glossaries.exchange import export, parse
from glossaries.model import Entry, Glossary
from glossaries.shipped import shipped_glossaries

deepl_util = pytest.importorskip(
    "deepl.util", reason="DeepL's client (pip install deepl, in the test extra) is not installed"
)
pytestmark = pytest.mark.conformance

# The terms issue 20 found corrupted, and the shapes DeepL users write.
TRICKY = (
    Entry("外務省公式アカウント", {"en": "@MofaJapan_en"}),
    Entry("アルファ", {"en": "+α"}),
    Entry("マイナス金利", {"en": "-0.1% rate"}),
    Entry("合計", {"en": "=SUM(A1)"}),
    Entry("東京、大阪", {"en": 'Tokyo, Osaka "Kansai"'}),
    Entry("キエフ", {"en": "Kyiv"}, aliases=("キーウ",)),
    Entry("草案", {"en": "draft term"}, status="draft"),
)


def expected_pairs(glossary: Glossary, lang: str) -> dict[str, str]:
    """Every spelling of every approved entry with a rendering in ``lang``."""
    return {
        spelling: rendering
        for entry in glossary.approved()
        if (rendering := entry.rendering(lang)) and "\t" not in rendering and "\n" not in rendering
        for spelling in entry.surfaces()
        if "\t" not in spelling and "\n" not in spelling
    }


def glossaries_under_test() -> list[Glossary]:
    return [Glossary("tricky", TRICKY), *shipped_glossaries()]


@pytest.mark.parametrize("glossary", glossaries_under_test(), ids=lambda g: g.name)
def test_deepl_reads_our_tsv_with_the_exact_terms(glossary: Glossary) -> None:
    text = export(glossary, format="deepl-tsv", target_lang="en")
    stored = deepl_util.convert_tsv_to_dict(text)
    assert stored == expected_pairs(glossary, "en")


@pytest.mark.parametrize("glossary", glossaries_under_test(), ids=lambda g: g.name)
def test_deepl_reads_our_csv_with_the_exact_terms(glossary: Glossary) -> None:
    text = export(glossary, format="deepl-csv", target_lang="en")
    stored = deepl_util.convert_csv_to_dict(text)
    assert stored == expected_pairs(glossary, "en")


def test_shipped_aliases_reach_deepl() -> None:
    """21 of the shipped entries have aliases; each alias is a DeepL entry of its own."""
    [security] = [g for g in shipped_glossaries() if g.name == "security"]
    stored = deepl_util.convert_tsv_to_dict(export(security, format="deepl-tsv", target_lang="en"))
    with_aliases = [e for e in security.approved() if e.aliases and e.rendering("en")]
    assert with_aliases
    for entry in with_aliases:
        for alias in entry.aliases:
            assert stored[alias] == entry.rendering("en"), alias


@pytest.mark.parametrize("format", ["aws-csv", "aws-tsv"])
def test_aws_files_hold_the_exact_terms(format: str) -> None:
    glossary = Glossary("tricky", TRICKY)
    text = export(glossary, format=format)
    rows = list(csv.reader(io.StringIO(text), delimiter="," if format == "aws-csv" else "\t"))
    assert rows[0][:2] == ["ja", "en"]
    stored = {row[0]: row[1] for row in rows[1:] if row[1]}
    assert stored == expected_pairs(glossary, "en")


def test_we_read_tsv_as_deepl_users_write_it() -> None:
    """DeepL's client writes (and its site downloads) TSV without quoting."""
    written = deepl_util.convert_dict_to_tsv(
        {"引用": '"Quote" marks', "東京、大阪": 'Tokyo, Osaka "Kansai"', "外務省": "'MOFA'"}
    )
    result = parse(written, target_lang="en")
    assert (result.format, result.errors) == ("deepl-tsv", [])
    assert {e.source: e.targets["en"] for e in result.entries} == {
        "引用": '"Quote" marks',
        "東京、大阪": 'Tokyo, Osaka "Kansai"',
        "外務省": "'MOFA'",
    }
    assert deepl_util.convert_tsv_to_dict(written) == {
        e.source: e.targets["en"] for e in result.entries
    }


def test_we_read_csv_as_deepl_users_write_it() -> None:
    """DeepL's documented CSV: quoted cells and the optional language columns."""
    written = '"マスカロフカ","maskirovka","ja","en"\n"東京、大阪","Tokyo, ""Kansai""","ja","en"\n'
    result = parse(written)
    assert (result.format, result.errors) == ("deepl-csv", [])
    mine = {e.source: e.targets["en"] for e in result.entries}
    assert mine == deepl_util.convert_csv_to_dict(written)
    assert mine == {"マスカロフカ": "maskirovka", "東京、大阪": 'Tokyo, "Kansai"'}
