import os
import unicodedata
from importlib import resources
from pathlib import Path

import pytest

from glossaries.exchange import export, parse
from glossaries.matching import Matcher
from glossaries.model import Glossary
from glossaries.shipped import shipped_glossaries

DEFAULT_TARGETS = ("en", "zh", "ko", "fr", "de", "es")
REPO = Path(__file__).resolve().parents[2]


def security() -> Glossary:
    (glossary,) = [g for g in shipped_glossaries() if g.name == "security"]
    return glossary


def test_shipped_file_parses_without_errors() -> None:
    text = resources.files("glossaries").joinpath("data/security.ja.tsv").read_text("utf-8")
    result = parse(text)
    assert (result.format, result.errors) == ("kakehashi-tsv", [])
    assert len(result.entries) == len(security().entries)


def test_security_glossary_metadata_and_size() -> None:
    glossary = security()
    assert glossary.source_lang == "ja"
    assert "security" in glossary.description.lower()
    assert len(glossary.approved()) >= 70


def test_every_entry_has_all_default_languages() -> None:
    missing = {
        e.source: [lang for lang in DEFAULT_TARGETS if not e.targets.get(lang)]
        for e in security().entries
    }
    assert {k: v for k, v in missing.items() if v} == {}


def test_shipped_file_is_sorted_and_in_export_form() -> None:
    glossary = security()
    sources = [e.source for e in glossary.entries]
    assert sources == sorted(sources)
    text = resources.files("glossaries").joinpath("data/security.ja.tsv").read_text("utf-8")
    assert export(glossary, format="kakehashi-tsv") == text


@pytest.mark.parametrize(
    ("source", "lang", "rendering"),
    [
        ("マスカロフカ", "en", "maskirovka"),
        ("マスカロフカ", "de", "Maskirowka"),
        ("拒否的抑止力", "en", "deterrence by denial"),
        ("核の最後通告", "en", "nuclear ultimatum"),
        ("時間稼ぎ", "en", "stalling for time"),
        ("戦略的忍耐", "en", "strategic patience"),
        ("既成事実", "en", "fait accompli"),
        ("力による現状変更", "en", "unilateral change of the status quo by force"),
        ("防衛白書", "en", "Defense White Paper"),
        ("永田町", "en", "Nagatacho"),
        ("資源エネルギー庁", "en", "Agency for Natural Resources and Energy"),
        ("サハリン2", "en", "Sakhalin-2"),
        ("第7艦隊", "en", "Seventh Fleet"),
        ("非友好国", "en", "unfriendly countries"),
        ("冷たい平和", "en", "cold peace"),
        ("ロ朝相互防衛", "en", "Russia–North Korea mutual defense"),
    ],
)
def test_required_renderings(source: str, lang: str, rendering: str) -> None:
    by_source = {e.source: e for e in security().entries}
    assert by_source[source].rendering(lang) == rendering


def test_maskirovka_alias() -> None:
    by_source = {e.source: e for e in security().entries}
    assert "マスキロフカ" in by_source["マスカロフカ"].aliases


def test_sample_article_matches_key_terms() -> None:
    shared = Path(os.environ.get("KAKEHASHI_SHARED_DIR", REPO.parent / "shared"))
    sample = shared / "samples" / "moscow-delay-tactics.ja.txt"
    if not sample.is_file():
        pytest.skip(f"sample article not found at {sample} (set KAKEHASHI_SHARED_DIR)")
    text = unicodedata.normalize("NFKC", sample.read_text("utf-8"))
    matches = Matcher(security().entries).find(text)
    found = {m.entry.source for m in matches}
    assert len(found) >= 15
    assert {"マスカロフカ", "拒否的抑止力", "核の最後通告", "冷たい平和"} <= found
    assert all(text[m.start : m.end] == m.surface for m in matches)
