"""Strategy memory: rounds that keep failing with a model are skipped, guarantees kept."""

from __future__ import annotations

import re

import pytest

from glossaries import Entry, Matcher
from translators.engine import EngineBase
from translators.pipeline import translate_texts
from translators.strategy_memory import StrategyMemory

TEXT = "モスクワの遅延戦術はマスカロフカだ。日本は拒否的抑止力を強化する。短い文。"
MATCHER = Matcher(
    [
        Entry(source="モスクワ", targets={"en": "Moscow"}),
        Entry(source="マスカロフカ", targets={"en": "maskirovka"}),
        Entry(source="拒否的抑止力", targets={"en": "deterrence by denial"}),
    ]
)


class Garble(EngineBase):
    """Drops every Latin letter (so inline and placeholder always fail); remembers."""

    source, target, package, version = "ja", "en", "garble", "1"

    def __init__(self, memory: StrategyMemory | None) -> None:
        self._memory = memory
        self.calls: list[list[str]] = []

    @property
    def strategy_memory(self) -> StrategyMemory | None:
        return self._memory

    def translate_batch(self, sentences: list[str]) -> list[str]:
        self.calls.append(list(sentences))
        return ["[" + re.sub(r"[A-Za-z]", "", s) + "]" for s in sentences]


def test_memory_decides_from_tallies() -> None:
    memory = StrategyMemory(min_tries=4, min_success=0.5, probe_every=3)
    assert memory.worth_trying("inline")
    memory.record("inline", tries=4, successes=1)
    decisions = [memory.worth_trying("inline") for _ in range(6)]
    assert decisions.count(True) == 2  # probes only
    memory.record("inline", tries=4, successes=4)  # 5 of 8: worth it again
    assert memory.worth_trying("inline")
    assert memory.tally("inline").tries == 8
    with pytest.raises(ValueError):
        StrategyMemory(min_tries=0)


def test_hopeless_rounds_skipped_guarantees_kept() -> None:
    memory = StrategyMemory(min_tries=2, probe_every=1000)
    engine = Garble(memory)
    [first] = translate_texts([TEXT], engine=engine, matcher=MATCHER)
    assert len(engine.calls) == 3  # learning: inline, placeholder, split
    assert memory.tally("inline").tries == 2 and memory.tally("inline").successes == 0
    engine.calls.clear()
    [second] = translate_texts([TEXT], engine=engine, matcher=MATCHER)
    # One engine call: the sentence without terms whole, the others' pieces around the terms.
    assert len(engine.calls) == 1
    assert "短い文。" in engine.calls[0] and "の遅延戦術は" in engine.calls[0]
    assert not any("ZQ" in text or "Moscow" in text for text in engine.calls[0])
    for result in (first, second):
        assert len(result.segments) == 3
        assert all(t.present and t.strategy == "split" for s in result.segments for t in s.terms)
        assert "term-missing" not in result.review_reasons
    assert [s.translation for s in second.segments] == [s.translation for s in first.segments]


def test_engine_without_memory_runs_the_full_cascade() -> None:
    engine = Garble(None)
    for _ in range(3):
        engine.calls.clear()
        translate_texts([TEXT], engine=engine, matcher=MATCHER)
        assert len(engine.calls) == 3
