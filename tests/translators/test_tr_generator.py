"""The second provider: a random-weight decoder-only model on CTranslate2's Generator,
prompted with the glossary terms, through the same pipeline and review policy."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from glossaries import Entry, Matcher
from translators.article import translate_article
from translators.engine import Engine, Hint, Hints, Translated
from translators.generator import GeneratorEngine
from translators.generator_config import CONFIG_FILE, glossary_block, read_config
from translators.package import PackageError
from translators.pipeline import translate_texts
from translators.providers import PROVIDERS, GeneratorProvider, LoadOptions
from translators.review import DEFAULT_POLICY

ENTRIES = [
    Entry("拒否的抑止力", {"en": "deterrence by denial", "fr": "dissuasion par interdiction"}),
    Entry("マスカロフカ", {"en": "maskirovka", "fr": "maskirovka"}),
    Entry("北大西洋条約機構", {"en": "NATO", "fr": "OTAN"}),
]
BODY = (
    "ロシアの遅延戦術はマスカロフカと呼ばれる欺瞞の一種である。\n\n"
    "日本は拒否的抑止力を強化する必要がある。北大西洋条約機構の加盟国は結束を確認した。"
)


class Spy:
    """The real generator engine, recording the hints it is given."""

    def __init__(self, inner: GeneratorEngine) -> None:
        self.inner = inner
        self.source, self.target = inner.source, inner.target
        self.package, self.version = inner.package, inner.version
        self.hints: list[Hints] = []

    capabilities = property(lambda self: self.inner.capabilities)
    steps = property(lambda self: (self,))
    strategy_memory = property(lambda self: None)  # every sentence runs the full cascade
    languages = property(lambda self: self.inner.languages)

    def translate_batch(self, sentences: list[str]) -> list[str]:
        return self.inner.translate_batch(sentences)

    def translate_batch_detailed(
        self, sentences: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]:
        self.hints.extend(hints or [() for _ in sentences])
        return self.inner.translate_batch_detailed(sentences, hints)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(scope="module")
def en(toy_decoder: Path) -> GeneratorEngine:
    return GeneratorEngine(read_config(toy_decoder), "en")


def test_the_engine_declares_what_it_reads_and_reports(en: GeneratorEngine) -> None:
    engine: Engine = en
    assert engine.capabilities.term_hints and engine.capabilities.reports_truncation
    assert engine.steps == (en,) and engine.languages == ("ja", "en")
    assert en.package == "generate-toy-decoder" and en.version == "1.0"


def test_the_prompt_carries_the_terms(en: GeneratorEngine) -> None:
    prompt = en.prompt(
        "日本は拒否的抑止力を強化する。", (Hint("拒否的抑止力", "deterrence by denial"),)
    )
    assert "Japanese: 日本は拒否的抑止力を強化する。" in prompt
    assert "- 拒否的抑止力 → deterrence by denial" in prompt
    assert prompt.rstrip().endswith("English:")
    assert glossary_block(()) == "" and "{glossary}" not in en.prompt("犬。")
    assert "{x}" in en.prompt("{x}")  # the text is inserted last, never formatted


def test_one_bounded_output_per_input(en: GeneratorEngine) -> None:
    sentences = [
        "首相は記者会見で経済対策を発表した。",
        "",
        "   ",
        "台湾海峡の緊張が高まっている。",
    ]
    outputs = en.translate_batch_detailed(sentences)
    assert len(outputs) == len(sentences)
    assert outputs[1] == Translated("") and outputs[2] == Translated("")
    for sentence, out in zip(sentences, outputs, strict=True):
        assert "\n" not in out.text
        if sentence.strip():
            assert len(en._model.tokenizer.encode(out.text)) <= en._cap(sentence) + 2


def test_the_pipeline_prompts_first_then_enforces_every_term(en: GeneratorEngine) -> None:
    spy = Spy(en)
    [result] = translate_texts([BODY], engine=spy, matcher=Matcher(ENTRIES))
    assert spy.hints[0] == (Hint("マスカロフカ", "maskirovka"),)  # the unaltered sentence first
    reports = [t for s in result.segments for t in s.terms]
    assert len(reports) == 3
    for segment in result.segments:
        for term in segment.terms:
            assert term.present == (term.target.casefold() in segment.translation.casefold())
        if not all(t.present for t in segment.terms):
            assert "term-missing" in segment.flags
    # The guarantee: every term present, or the result held for review.
    assert all(t.present for t in reports) or "term-missing" in result.review_reasons


@pytest.mark.parametrize("target", ["en", "fr"])
def test_an_article_through_the_same_review_policy(toy_decoder: Path, target: str) -> None:
    engine = GeneratorEngine(read_config(toy_decoder), target)
    article = translate_article(
        "拒否的抑止力の強化", None, BODY, "text", engine=engine, matcher=Matcher(ENTRIES)
    )
    terms = [t for part in article.parts for s in part.segments for t in s.terms]
    assert terms and all(t.present for t in terms)  # split is the last resort: always holds
    for part in article.parts:
        assert all("term-missing" not in s.flags for s in part.segments)
    assert article.needs_review == bool(article.review_reasons)
    # Random output decodes to its cap: the policy holds it back, as with any engine.
    assert set(article.review_reasons) <= {
        "truncated",
        "empty",
        "too-many-flags:untranslated",
        "too-many-flags:repetition",
        "too-many-flags:number-mismatch",
    }
    assert DEFAULT_POLICY.max_flagged_share == 0.2


def test_the_provider_lists_one_model_for_each_target(toy_decoder: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(toy_decoder, models / "toy")
    (models / "broken").mkdir()
    (models / "broken" / CONFIG_FILE).write_text("{", encoding="utf-8")
    provider = PROVIDERS["generator"](models, ())
    assert isinstance(provider, GeneratorProvider)
    assert sorted(p.pair for p in provider.installed()) == ["ja:en", "ja:fr"]
    assert provider.plan("ja", "de") is None
    [package] = provider.plan("ja", "fr") or []
    engine = provider.load(package, LoadOptions())
    assert (engine.source, engine.target) == ("ja", "fr")
    with pytest.raises(PackageError, match="does not list target de"):
        GeneratorEngine(read_config(models / "toy"), "de")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"source": "ja", "targets": ["en"]}, "lacks a 'name'"),
        ({"name": "m", "source": "ja", "targets": []}, "'targets' must be"),
        ({"name": "m", "source": "ja", "targets": ["en"], "prompt": "no text"}, "'prompt'"),
    ],
)
def test_a_bad_config_is_refused_with_its_reason(
    tmp_path: Path, config: dict[str, object], message: str
) -> None:
    (tmp_path / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(PackageError, match=message):
        read_config(tmp_path)
