from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from glossaries import Entry, Matcher
from tests.fakes import Counting, DictCache, engine_of
from translators import protect
from translators.ctranslate import CTranslate2Engine
from translators.normalize import normalize
from translators.pipeline import TranslationResult, sentence_key, translate_texts
from translators.segment import split_paragraphs, split_sentences

ARTICLE_TERMS = {
    "マスカロフカ": "maskirovka",
    "拒否的抑止力": "deterrence by denial",
    "モスクワ": "Moscow",
    "クレムリン": "Kremlin",
    "最後通告": "ultimatum",
    "ワシントン": "Washington",
}


def _matcher(terms: Mapping[str, str] = ARTICLE_TERMS) -> Matcher:
    return Matcher([Entry(source, {"en": target}) for source, target in terms.items()])


def _shared_sample() -> Path:
    default = Path(__file__).resolve().parents[3] / "shared"
    path = Path(os.environ.get("KAKEHASHI_SHARED_DIR", default)) / "samples"
    sample = path / "moscow-delay-tactics.ja.txt"
    if not sample.is_file():
        pytest.skip(f"sample article not found at {sample} (set KAKEHASHI_SHARED_DIR)")
    return sample


def _expected_sentences(text: str) -> list[str]:
    norm = normalize(text).text
    return [s for p in split_paragraphs(norm) for s in split_sentences(p)]


def _assert_guarantees(text: str, result: TranslationResult) -> None:
    expected = _expected_sentences(text)
    assert len(result.segments) == len(expected)
    for segment, sentence in zip(result.segments, expected, strict=True):
        assert normalize(segment.source).text == sentence
        for term in segment.terms:
            present = term.target.casefold() in segment.translation.casefold()
            assert term.present == present
            assert present or "term-missing" in segment.flags
    cursor = 0
    for segment in result.segments:  # same order as the source
        cursor = text.index(segment.source, cursor) + len(segment.source)


SHORT = "日本は拒否的抑止力を強化する。\n\nモスクワの遅延戦術はマスカロフカだ。3.5%上昇した。"


def test_identity_engine_keeps_inline_terms() -> None:
    engine = engine_of(lambda xs: list(xs))
    [result] = translate_texts([SHORT], engine=engine, matcher=_matcher())
    assert len(engine.calls) == 1
    _assert_guarantees(SHORT, result)
    strategies = {t.target: t.strategy for s in result.segments for t in s.terms}
    assert strategies == {
        "deterrence by denial": "inline",
        "Moscow": "inline",
        "maskirovka": "inline",
    }
    assert "maskirovka" in result.segments[1].translation
    assert [s.paragraph for s in result.segments] == [0, 1, 1]
    assert result.route == ("ja", "en")
    # The echo engine leaves Japanese in every sentence: every term is present, but the review
    # policy holds the translation back as untranslated, and says so.
    assert result.review_reasons == ("too-many-flags:untranslated",)
    assert result.needs_review


def test_placeholder_strategy_when_renderings_are_dropped() -> None:
    renderings = [r for r in ARTICLE_TERMS.values()]

    def drop(xs: list[str]) -> list[str]:
        out = []
        for x in xs:
            for r in renderings:
                x = x.replace(r, "")
            out.append(x.replace("ZQ", "zq "))  # a model that mangles the token a little
        return out

    engine = engine_of(drop)
    [result] = translate_texts([SHORT], engine=engine, matcher=_matcher())
    assert len(engine.calls) == 2
    assert all(t.strategy == "placeholder" for s in result.segments for t in s.terms)
    assert "Moscow" in result.segments[1].translation
    assert "maskirovka" in result.segments[1].translation
    _assert_guarantees(SHORT, result)


def test_split_strategy_is_the_last_resort() -> None:
    def garble(xs: list[str]) -> list[str]:
        return ["[" + re.sub(r"[A-Za-z]", "", x) + "]" for x in xs]

    engine = engine_of(garble)
    [result] = translate_texts([SHORT], engine=engine, matcher=_matcher())
    assert len(engine.calls) == 3  # inline, placeholder, split: each one batch
    seg = result.segments[1]
    assert [t.strategy for t in seg.terms] == ["split", "split"]
    assert seg.translation.startswith("Moscow [の遅延戦術は] maskirovka")
    assert result.segments[2].terms == ()
    _assert_guarantees(SHORT, result)
    assert "term-missing" not in result.review_reasons  # only the Japanese left by garble


def test_missing_term_is_flagged_never_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protect, "join_pieces", lambda translated, terms, target: "nothing")
    engine = engine_of(lambda xs: ["x" for _ in xs])
    [result] = translate_texts([SHORT], engine=engine, matcher=_matcher())
    assert result.needs_review
    first = result.segments[0]
    assert "term-missing" in first.flags
    assert first.terms[0].present is False
    assert first.terms[0].strategy == "none"
    assert result.to_dict()["needs_review"] is True


def test_broken_engine_loses_no_sentence() -> None:
    engine = engine_of(lambda xs: ["only one"])
    text = "一つ目。二つ目。三つ目。"
    [result] = translate_texts([text], engine=engine)
    assert [s.source for s in result.segments] == ["一つ目。", "二つ目。", "三つ目。"]
    assert [s.flags for s in result.segments][1:] == [("empty",), ("empty",)]
    assert result.needs_review


def test_many_texts_one_call_and_dedupe() -> None:
    engine = engine_of(lambda xs: [x.upper() for x in xs])
    texts = ["見出し", "同じ文。同じ文。", "", "本文です。"]
    results = translate_texts(texts, engine=engine)
    assert len(engine.calls) == 1
    assert engine.calls[0] == ["見出し", "同じ文。", "本文です。"]
    assert [len(r.segments) for r in results] == [1, 2, 0, 1]
    assert results[2].paragraphs() == []
    assert results[1].paragraphs() == ["同じ文。 同じ文。"]


def test_sentence_key_depends_on_every_part() -> None:
    base = dict(
        package="p", version="1", source="ja", target="en", sentence="文。", terms=[("a", "x")]
    )
    key = sentence_key(**base)  # type: ignore[arg-type]
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    for field, value in [
        ("package", "q"),
        ("version", "2"),
        ("target", "fr"),
        ("sentence", "別。"),
        ("terms", [("a", "y")]),
        ("terms", []),
    ]:
        assert sentence_key(**{**base, field: value}) != key  # type: ignore[arg-type]
    assert sentence_key(**{**base, "terms": [("a", "x"), ("a", "x")]}) == key  # type: ignore[arg-type]


@pytest.mark.slow
def test_article_on_real_tiny_engine(tiny_engine: CTranslate2Engine) -> None:
    text = _shared_sample().read_text(encoding="utf-8")
    engine = Counting(tiny_engine)
    matcher = _matcher()
    [result] = translate_texts([text], engine=engine, matcher=matcher)
    _assert_guarantees(text, result)
    terms = [t for s in result.segments for t in s.terms]
    assert {t.target for t in terms} == set(ARTICLE_TERMS.values())
    assert all(t.present for t in terms)
    assert not any("term-missing" in s.flags for s in result.segments)
    assert len(engine.calls) <= 3
    print(f"{len(result.segments)} segments, strategies:", sorted({t.strategy for t in terms}))
    data = result.to_dict()
    assert len(data["segments"]) == len(result.segments)  # type: ignore[arg-type]


@pytest.mark.slow
def test_cache_hits_and_targeted_misses(tiny_engine: CTranslate2Engine) -> None:
    text = _shared_sample().read_text(encoding="utf-8")
    cache = DictCache()
    first = translate_texts([text], engine=tiny_engine, matcher=_matcher(), cache=cache)[0]
    n = len(first.segments)
    assert first.cache_misses == n

    counting = Counting(tiny_engine)
    again = translate_texts([text], engine=counting, matcher=_matcher(), cache=cache)[0]
    assert (again.cache_hits, again.cache_misses) == (n, 0)
    assert counting.calls == []
    assert [s.translation for s in again.segments] == [s.translation for s in first.segments]
    assert [s.terms for s in again.segments] == [s.terms for s in first.segments]

    changed_sentence = next(
        s.source for s in first.segments if s.source.endswith("。") and text.count(s.source) == 1
    )
    edited = text.replace(changed_sentence, changed_sentence[:-1] + "！")
    counting = Counting(tiny_engine)
    result = translate_texts([edited], engine=counting, matcher=_matcher(), cache=cache)[0]
    assert result.cache_misses == 1
    assert len(counting.calls[0]) == 1

    terms = dict(ARTICLE_TERMS, マスカロフカ="maskirovka (deception)")
    counting = Counting(tiny_engine)
    result = translate_texts([text], engine=counting, matcher=_matcher(terms), cache=cache)[0]
    using = [
        s
        for s in first.segments
        if any(t.entry_id == Entry("マスカロフカ", {}).id for t in s.terms)
    ]
    assert using
    assert result.cache_misses == len({normalize(s.source).text for s in using})
    assert all(
        "maskirovka (deception)" in s.translation
        for s in result.segments
        if any(t.target.startswith("maskirovka") for t in s.terms)
    )
