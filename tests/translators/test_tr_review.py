"""The review policy (pure) and how the pipeline applies it: truncation, shares of severe
flags, reasons on the result and in its dict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from glossaries import Entry, Matcher
from tests.fakes import DictCache
from translators.ctranslate import CTranslate2Engine
from translators.engine import Capabilities, EngineBase, Hints, Translated
from translators.pipeline import translate_texts
from translators.review import ReviewPolicy, review_reasons


@dataclass(frozen=True)
class Seg:
    flags: tuple[str, ...]


def segs(*flags: tuple[str, ...]) -> list[Seg]:
    return [Seg(f) for f in flags]


def test_clean_segments_need_no_review() -> None:
    assert review_reasons(segs((), ("length-ratio",), ())) == []
    assert review_reasons([]) == []


def test_hard_flags_always_need_review() -> None:
    many = segs(*[()] * 99, ("truncated",))
    assert review_reasons(many) == ["truncated"]
    assert review_reasons(segs(("empty",), ("term-missing",))) == ["term-missing", "empty"]


def test_severe_flags_over_the_share() -> None:
    five = segs(("repetition",), (), (), (), ())
    assert review_reasons(five) == []  # 1 of 5 = 0.2: not more than the share
    six = segs(("repetition", "untranslated"), ("repetition",), (), (), ())
    assert review_reasons(six) == ["too-many-flags:repetition", "too-many-flags:untranslated"]
    assert review_reasons(six, ReviewPolicy(max_flagged_share=0.5)) == []
    assert review_reasons(segs(("number-mismatch",)), ReviewPolicy(max_flagged_share=1.0)) == []
    # The degenerate case of the issue: every segment flagged.
    flood = segs(*[("repetition", "untranslated")] * 62, *[("untranslated",)] * 2)
    assert review_reasons(flood) == [
        "too-many-flags:untranslated",
        "too-many-flags:repetition",
    ]


def test_policy_is_checked() -> None:
    with pytest.raises(ValueError):
        ReviewPolicy(max_flagged_share=1.5)


class Truncating(EngineBase):
    """Deterministic detailed engine: upper-cases, and truncates sentences containing 長."""

    source, target, package, version = "ja", "en", "trunc", "1"

    def __init__(self) -> None:
        self.calls = 0

    def translate_batch(self, sentences: list[str]) -> list[str]:
        return [t.text for t in self.translate_batch_detailed(sentences)]

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(reports_truncation=True)

    def translate_batch_detailed(
        self, sentences: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]:
        self.calls += 1
        return [Translated(f"EN {len(s)}", "長" in s) for s in sentences]


def test_truncated_segment_flagged_cached_with_its_flag() -> None:
    engine, cache = Truncating(), DictCache()
    text = "短い文。長い文だった。"
    [result] = translate_texts([text], engine=engine, cache=cache)
    assert [s.flags for s in result.segments] == [(), ("truncated",)]
    assert result.needs_review and result.review_reasons == ("truncated",)
    data = result.to_dict()
    assert data["review_reasons"] == ["truncated"]
    assert data["text"] == "EN 4 EN 7"
    [again] = translate_texts([text], engine=engine, cache=cache)
    assert engine.calls == 1 and again.cache_hits == 2
    assert again.segments == result.segments and again.review_reasons == ("truncated",)
    [short] = translate_texts(["短い文。\n\n別の文。"], engine=engine, cache=cache)
    assert not short.needs_review and short.text == "EN 4\n\nEN 4"


def test_truncation_in_the_split_round_is_reported() -> None:
    engine = Truncating()
    matcher = Matcher([Entry(source="文書", targets={"en": "document"})])
    [result] = translate_texts(["長い文書です。"], engine=engine, matcher=matcher)
    [segment] = result.segments
    assert segment.terms[0].strategy == "split" and segment.terms[0].present
    assert "truncated" in segment.flags


def test_random_model_output_needs_review(tiny_engine: CTranslate2Engine) -> None:
    [result] = translate_texts(["日本は拒否的抑止力を強化する必要がある。"], engine=tiny_engine)
    assert result.needs_review
    assert "truncated" in result.review_reasons
    assert result.to_dict()["needs_review"] is True


def test_truncation_is_read_only_from_an_engine_that_declares_it() -> None:
    class Undeclared(Truncating):
        @property
        def capabilities(self) -> Capabilities:
            return Capabilities()

    [declared] = translate_texts(["長い文です。"], engine=Truncating())
    [undeclared] = translate_texts(["長い文です。"], engine=Undeclared())
    assert "truncated" in declared.segments[0].flags
    assert "truncated" not in undeclared.segments[0].flags
