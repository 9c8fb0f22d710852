from __future__ import annotations

import threading

import pytest

from translators.ctranslate import CTranslate2Engine

SENTENCES = [
    "日本は拒否的抑止力を強化する必要がある。",
    "クレムリン報道官は対話継続の声明を出した。",
    "円相場は1ドル＝150円台で推移している。",
]


def test_identity(tiny_engine: CTranslate2Engine) -> None:
    assert (tiny_engine.source, tiny_engine.target) == ("ja", "en")
    assert tiny_engine.package == "translate-ja_en"
    assert tiny_engine.version == "1.0"


def test_one_output_per_input_bounded(tiny_engine: CTranslate2Engine) -> None:
    outputs = tiny_engine.translate_batch([*SENTENCES, ""])
    assert len(outputs) == 4
    assert outputs[3] == ""
    assert all(isinstance(o, str) for o in outputs)
    tokens = tiny_engine.tokenize(SENTENCES)
    for source, target in zip(tokens, tiny_engine.translate_tokens(tokens), strict=True):
        assert len(target) <= 2 * max(len(t) for t in tokens) + 10
        assert source


def test_empty_list(tiny_engine: CTranslate2Engine) -> None:
    assert tiny_engine.translate_batch([]) == []


def test_many_sentences_batched(tiny_engine: CTranslate2Engine) -> None:
    batch = [f"{SENTENCES[i % 3]}{i}" for i in range(64)]
    outputs = tiny_engine.translate_batch(batch)
    assert len(outputs) == 64


@pytest.mark.slow
def test_concurrent_use(tiny_engine: CTranslate2Engine) -> None:
    expected = tiny_engine.translate_batch(SENTENCES)
    errors: list[BaseException] = []
    results: list[list[str]] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(tiny_engine.translate_batch(SENTENCES))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 20
    assert all(r == expected for r in results)
