"""Every sentence is bounded by its own length, on the real tiny engine: length buckets,
per-sentence caps, truncation reported, outputs in input order, also through the cross-job
batching engine."""

from __future__ import annotations

import json
import os
import random
import threading
from pathlib import Path

import pytest

from translators.batching import BatchingEngine
from translators.ctranslate import DECODING_LENGTH_CONSTANT, CTranslate2Engine, length_buckets
from translators.engine import EngineBase, Translated, translate_detailed
from translators.normalize import normalize
from translators.segment import split_paragraphs, split_sentences

SHARED = Path(
    os.environ.get("KAKEHASHI_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared")
)
DOCS = SHARED / "eval/wmt21-news-jaen/newstest2021.ja-en.docs.jsonl"
LONG = (
    "クレムリン報道官は対話継続の声明を出し、日本は拒否的抑止力を強化する必要があると述べた。" * 3
)


def test_length_buckets_group_similar_lengths() -> None:
    lengths = [40, 1, 3, 100, 12, 2, 41, 13, 0, 50]
    buckets = length_buckets(lengths)
    assert sorted(i for b in buckets for i in b) == list(range(len(lengths)))
    for bucket in buckets:
        shortest = min(lengths[i] for i in bucket)
        assert max(lengths[i] for i in bucket) <= 1.25 * shortest + 3
    firsts = [min(lengths[i] for i in b) for b in buckets]
    assert firsts == sorted(firsts)
    assert [lengths[i] for i in buckets[0]] == [0, 1, 2]
    assert length_buckets([]) == []


def test_cap_grows_with_the_sentence(tiny_engine: CTranslate2Engine) -> None:
    assert tiny_engine.cap(1) == 2 + DECODING_LENGTH_CONSTANT
    assert tiny_engine.cap(40) == 80 + DECODING_LENGTH_CONSTANT


def test_short_sentence_not_bounded_by_a_long_neighbour(tiny_engine: CTranslate2Engine) -> None:
    tokens = tiny_engine.tokenize(["短", LONG])
    (short_out, short_cut), (long_out, _) = tiny_engine.translate_tokens_detailed(tokens)
    assert len(short_out) <= tiny_engine.cap(len(tokens[0])) < len(tokens[1])
    assert len(long_out) <= tiny_engine.cap(len(tokens[1]))
    # The random model never ends a sentence by itself: it is cut at its own cap, and says so.
    assert short_cut and len(short_out) == tiny_engine.cap(len(tokens[0]))
    alone = tiny_engine.translate_batch_detailed(["短"])
    assert tiny_engine.translate_batch_detailed(["短", LONG])[0] == alone[0]


def test_detailed_and_plain_outputs_agree(tiny_engine: CTranslate2Engine) -> None:
    sentences = ["日本は拒否的抑止力を強化する。", "", "円相場は1ドル＝150円台で推移している。"]
    detailed = tiny_engine.translate_batch_detailed(sentences)
    assert [d.text for d in detailed] == tiny_engine.translate_batch(sentences)
    assert detailed[1] == Translated("", False)
    assert translate_detailed(tiny_engine, sentences) == detailed


def test_plain_engines_never_truncate() -> None:
    class Echo(EngineBase):
        source, target, package, version = "ja", "en", "echo", "1"

        def translate_batch(self, sentences: list[str]) -> list[str]:
            return list(sentences)

    assert translate_detailed(Echo(), ["あ", "い"]) == [Translated("あ"), Translated("い")]


@pytest.mark.slow
def test_wmt21_no_output_exceeds_its_own_bound(tiny_engine: CTranslate2Engine) -> None:
    if not DOCS.is_file():
        pytest.skip(f"WMT21 data not found under {SHARED}")
    sentences: list[str] = []
    for line in DOCS.read_text(encoding="utf-8").splitlines()[:8]:
        for seg in json.loads(line)["segments"]:
            text = normalize(seg["src"]).text
            sentences += [s for p in split_paragraphs(text) for s in split_sentences(p)]
    sentences.append("・")  # a one-character "heading" batched with long news sentences
    tokens = tiny_engine.tokenize(sentences)
    assert len({len(t) for t in tokens}) > 20  # the lengths really vary
    results = tiny_engine.translate_tokens_detailed(tokens)
    assert len(results) == len(tokens)
    for source, (output, truncated) in zip(tokens, results, strict=True):
        bound = tiny_engine.cap(len(source))
        assert len(output) <= bound
        assert truncated == (len(output) >= bound)
    # Input order: the same sentences shuffled give the same outputs, moved with them.
    order = list(range(len(tokens)))
    random.Random(1).shuffle(order)
    shuffled = tiny_engine.translate_tokens_detailed([tokens[i] for i in order])
    assert shuffled == [results[i] for i in order]


def test_batching_engine_keeps_per_sentence_caps(tiny_engine: CTranslate2Engine) -> None:
    alone = tiny_engine.translate_batch_detailed(["短"])
    with BatchingEngine(tiny_engine, max_wait_ms=200) as batching:
        out: dict[str, list[Translated]] = {}
        barrier = threading.Barrier(2)

        def call(name: str, sentences: list[str]) -> None:
            barrier.wait()
            out[name] = batching.translate_batch_detailed(sentences)

        threads = [
            threading.Thread(target=call, args=("short", ["短"])),
            threading.Thread(target=call, args=("long", [LONG])),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Merged with a long sentence in one engine call, the short one keeps its own cap.
        assert out["short"] == alone
        assert out["long"][0].truncated
        assert batching.translate_batch(["短"]) == [alone[0].text]
        assert batching.strategy_memory is tiny_engine.strategy_memory
