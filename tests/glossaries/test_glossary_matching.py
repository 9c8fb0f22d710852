import random

import pytest

from glossaries.matching import Match, Matcher
from glossaries.model import Entry


def entry(source: str, *aliases: str, **kwargs: object) -> Entry:
    return Entry(source, {"en": source + "-en"}, aliases=aliases, **kwargs)  # type: ignore[arg-type]


def sources(matches: list[Match]) -> list[str]:
    return [m.entry.source for m in matches]


def test_leftmost_longest_prefers_the_enclosing_term() -> None:
    matcher = Matcher([entry("抑止力"), entry("拒否的抑止力")])
    text = "独自の拒否的抑止力を確立し、抑止力を高める"
    matches = matcher.find(text)
    assert [(m.start, m.end, m.surface) for m in matches] == [
        (3, 9, "拒否的抑止力"),
        (14, 17, "抑止力"),
    ]
    assert all(text[m.start : m.end] == m.surface for m in matches)


def test_leftmost_wins_over_a_longer_overlapping_later_match() -> None:
    matcher = Matcher([entry("安全保障"), entry("保障環境の悪化")])
    assert sources(matcher.find("安全保障環境の悪化")) == ["安全保障"]


def test_katakana_term_does_not_match_inside_a_longer_katakana_word() -> None:
    matcher = Matcher([entry("ロシア")])
    assert matcher.find("ロシアンルーレット") == []
    assert matcher.find("ベラロシア") == []
    assert matcher.find("ロシアー") == []  # ー continues the word
    assert sources(matcher.find("ロシア・ウクライナ")) == ["ロシア"]  # ・ is a boundary
    assert sources(matcher.find("「ロシア」が")) == ["ロシア"]


def test_a_shorter_term_survives_when_the_longer_one_breaks_a_boundary() -> None:
    matcher = Matcher([entry("北朝鮮"), entry("北朝鮮ミサイル")])
    assert [m.surface for m in matcher.find("北朝鮮ミサイルズ")] == ["北朝鮮"]


def test_latin_term_does_not_match_inside_a_longer_latin_word() -> None:
    matcher = Matcher([entry("NATO")])
    assert matcher.find("NATOs and ANATOMY") == []
    assert [(m.start, m.surface) for m in matcher.find("NATO加盟国とnato")] == [
        (0, "NATO"),
        (8, "nato"),
    ]


def test_case_sensitive_entries_need_the_exact_case() -> None:
    matcher = Matcher([entry("IMF", case_sensitive=True)])
    assert sources(matcher.find("IMFの見通し")) == ["IMF"]
    assert matcher.find("imfの見通し") == []


def test_aliases_match_and_report_the_text_as_written() -> None:
    matcher = Matcher([entry("マスカロフカ", "マスキロフカ")])
    matches = matcher.find("マスキロフカとマスカロフカ")
    assert [m.surface for m in matches] == ["マスキロフカ", "マスカロフカ"]
    assert {m.entry.source for m in matches} == {"マスカロフカ"}


def test_full_width_surface_matches_normalized_text() -> None:
    matcher = Matcher([entry("ＩＭＦ"), entry("ｻﾊﾘﾝ2")])
    assert [m.surface for m in matcher.find("IMFとサハリン2")] == ["IMF", "サハリン2"]


def test_drafts_are_excluded_unless_asked_for() -> None:
    entries = [entry("既成事実", status="draft"), entry("停戦")]
    assert sources(Matcher(entries).find("既成事実と停戦")) == ["停戦"]
    assert len(Matcher(entries)) == 1
    assert sources(Matcher(entries, include_drafts=True).find("既成事実と停戦")) == [
        "既成事実",
        "停戦",
    ]


def test_shared_surface_goes_to_the_first_approved_entry() -> None:
    draft = Entry("X線", {"en": "draft"}, status="draft")
    first = Entry("エックス線", {"en": "first"}, aliases=("X線",))
    second = Entry("X線", {"en": "second"})
    matcher = Matcher([draft, first, second], include_drafts=True)
    (match,) = matcher.find("X線")
    assert match.entry is first


def test_empty_matcher_and_empty_text() -> None:
    assert Matcher([]).find("何か") == []
    assert len(Matcher([])) == 0
    assert Matcher([entry("停戦")]).find("") == []


@pytest.mark.slow
def test_hundred_thousand_entries_build_and_scan() -> None:
    """Correct at scale; how fast it builds is measured in bench/, not asserted here."""
    rng = random.Random(7)
    kanji = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]
    entries = [
        Entry("".join(rng.choices(kanji, k=rng.randint(2, 6))) + str(i), {"en": f"t{i}"})
        for i in range(100_000)
    ]
    matcher = Matcher(entries)
    assert len(matcher) == 100_000
    text = "ニュース" + entries[123].source + "と" + entries[99_999].source + "。" * 10_000
    (first, second) = matcher.find(text)
    assert (first.entry, second.entry) == (entries[123], entries[99_999])


@pytest.mark.parametrize("text", ["ロシアの", "今日はロシア"])
def test_match_offsets_are_into_the_given_text(text: str) -> None:
    (match,) = Matcher([entry("ロシア")]).find(text)
    assert text[match.start : match.end] == "ロシア"
