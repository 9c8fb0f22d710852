"""The translation-memory hook of the pipeline: a remembered sentence skips the engine (and
the cache) and says so; the glossary renderings in force are part of what is asked; pivots
ask with the final language's renderings; the real engine keeps its guarantees around it."""

from __future__ import annotations

from collections.abc import Sequence

from glossaries import Entry, Matcher
from tests.fakes import Counting, DictCache, engine_of
from translators.ctranslate import CTranslate2Engine
from translators.pipeline import translate_texts
from translators.route import Route

Query = tuple[str, tuple[tuple[str, str], ...]]


class DictMemory:
    def __init__(self, entries: dict[tuple[str, str, tuple[tuple[str, str], ...]], str]) -> None:
        self.entries = entries
        self.asked: list[tuple[str, list[Query]]] = []

    def recall(self, target: str, queries: Sequence[Query]) -> list[str | None]:
        self.asked.append((target, list(queries)))
        return [self.entries.get((target, text, terms)) for text, terms in queries]


ENTRY = Entry("瀬戸際外交", {"en": "brinkmanship", "fr": "la corde raide"}, id="e1")
TEXT = "瀬戸際外交が続いている。会談は行われた。"


def upper(batch: list[str]) -> list[str]:
    return [s.upper() for s in batch]


def test_a_remembered_sentence_skips_the_engine_and_the_cache() -> None:
    engine = engine_of(upper)
    memory = DictMemory(
        {("en", "瀬戸際外交が続いている。", (("e1", "brinkmanship"),)): "Brinkmanship goes on."}
    )
    cache = DictCache()
    [result] = translate_texts(
        [TEXT], engine=engine, matcher=Matcher([ENTRY]), cache=cache, memory=memory
    )
    first, second = result.segments
    assert (first.translation, first.strategy, first.flags) == (
        "Brinkmanship goes on.",
        "memory",
        (),
    )
    assert first.terms[0].present
    assert second.strategy != "memory"
    assert all("瀬戸際" not in s for call in engine.calls for s in call)
    assert memory.asked == [
        ("en", [("瀬戸際外交が続いている。", (("e1", "brinkmanship"),)), ("会談は行われた。", ())])
    ]
    assert len(cache.data) == 1  # only the engine's sentence is cached
    assert result.to_dict()["segments"][0]["strategy"] == "memory"  # type: ignore[index]


def test_other_renderings_do_not_match() -> None:
    engine = engine_of(upper)
    memory = DictMemory({("en", "瀬戸際外交が続いている。", (("e1", "old"),)): "stale"})
    [result] = translate_texts([TEXT], engine=engine, matcher=Matcher([ENTRY]), memory=memory)
    assert [s.strategy for s in result.segments if s.strategy == "memory"] == []
    assert any("続いている" in s for call in engine.calls for s in call)


def test_a_remembered_text_missing_its_term_is_still_flagged() -> None:
    memory = DictMemory(
        {("en", "瀬戸際外交が続いている。", (("e1", "brinkmanship"),)): "Tension goes on."}
    )
    [result] = translate_texts(
        [TEXT], engine=engine_of(upper), matcher=Matcher([ENTRY]), memory=memory
    )
    assert "term-missing" in result.segments[0].flags and result.needs_review


def test_a_pivot_asks_with_the_final_languages_renderings() -> None:
    ja_en, en_fr = Counting(None, upper), Counting(None, upper)
    ja_en.source, ja_en.target = "ja", "en"
    en_fr.source, en_fr.target = "en", "fr"
    memory = DictMemory(
        {("fr", "瀬戸際外交が続いている。", (("e1", "la corde raide"),)): "Sur la corde raide."}
    )
    [result] = translate_texts(
        [TEXT], engine=Route([ja_en, en_fr]), matcher=Matcher([ENTRY]), memory=memory
    )
    first, second = result.segments
    assert (first.translation, first.strategy) == ("Sur la corde raide.", "memory")
    assert "term-missing" not in first.flags and first.terms[0].present
    assert second.translation and second.strategy != "memory"
    assert all("瀬戸際" not in s for call in ja_en.calls for s in call)
    assert [s.source for s in result.segments] == ["瀬戸際外交が続いている。", "会談は行われた。"]


def test_the_real_engine_around_remembered_sentences(tiny_engine: CTranslate2Engine) -> None:
    recorder = Counting(tiny_engine)
    text = "瀬戸際外交が続いている。\n\n会談は行われた。瀬戸際外交が続いている。"
    memory = DictMemory(
        {("en", "瀬戸際外交が続いている。", (("e1", "brinkmanship"),)): "Brinkmanship goes on."}
    )
    [result] = translate_texts([text], engine=recorder, matcher=Matcher([ENTRY]), memory=memory)
    assert [s.strategy == "memory" for s in result.segments] == [True, False, True]
    assert [s.paragraph for s in result.segments] == [0, 1, 1]
    assert all("続いている" not in s for call in recorder.calls for s in call)
    assert result.paragraphs()[0] == "Brinkmanship goes on."
