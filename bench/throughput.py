"""Throughput of the translation pipeline against raw CTranslate2, on a realistic-size model.

Usage: .venv/bin/python bench/throughput.py [--sentences 100] [--cache-dir .bench-cache]

Builds (once, cached) a random-weight 6+6-layer Transformer (d_model 512, 8 heads, FFN 2048,
SentencePiece vocabulary up to 8000 trained on WMT21 text) with translators.toymodel, then
measures in one run (after one untimed warm-up call, so neither side pays start-up costs):
  (a) raw ctranslate2.Translator.translate_batch on pre-tokenized WMT21 sentences;
  (b) translators.pipeline.translate_texts on the WMT21 documents holding those sentences
      (no cache), with the same beam size, threads and decoding bound; prints b/a (goal ≥ 0.9);
  (b') the same documents again through the pipeline with a warm sentence cache;
  (c) re-translation of a 30-sentence article after one sentence changed, with an in-memory
      cache, as a fraction of the full translation time.
Skips with a message when the shared evaluation data is absent.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from translators.ctranslate import CTranslate2Engine
from translators.normalize import normalize
from translators.package import find, install
from translators.pipeline import translate_texts
from translators.segment import split_paragraphs, split_sentences
from translators.toymodel import build_package

BEAM = 2


class DictCache:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        return [self.data.get(k) for k in keys]

    def set_many(self, items: Mapping[str, str]) -> None:
        self.data.update(items)


def _shared() -> Path:
    default = Path(__file__).resolve().parents[1].parent / "shared"
    return Path(os.environ.get("KAKEHASHI_SHARED_DIR", default))


def _model(cache_dir: Path, wmt: Path) -> CTranslate2Engine:
    models = cache_dir / "models"
    package = find(models, "ja", "en")
    if package is None:
        lines = (wmt / "newstest2021.ja-en.src.ja").read_text(encoding="utf-8").splitlines()
        lines += (wmt / "newstest2021.ja-en.ref.A.en").read_text(encoding="utf-8").splitlines()
        print("building the realistic-size random model (once)...", flush=True)
        start = time.perf_counter()
        archive = build_package(
            cache_dir / "archives",
            num_layers=6,
            d_model=512,
            num_heads=8,
            ffn_dim=2048,
            vocab_size=8000,
            training_text=lines,
        )
        package = install(archive, models)
        print(f"  built in {time.perf_counter() - start:.1f} s", flush=True)
    return CTranslate2Engine(package, beam_size=BEAM, inter_threads=1, intra_threads=0)


def _documents(wmt: Path, limit: int) -> list[str]:
    docs: list[str] = []
    count = 0
    for line in (wmt / "newstest2021.ja-en.docs.jsonl").read_text(encoding="utf-8").splitlines():
        segments = [s["src"].strip() for s in json.loads(line)["segments"]]
        docs.append("\n".join(segments))
        count += len(segments)
        if count >= limit:
            break
    return docs


def _sentences(text: str) -> list[str]:
    norm = normalize(text).text
    return [s for p in split_paragraphs(norm) for s in split_sentences(p)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--sentences", type=int, default=100)
    parser.add_argument("--cache-dir", type=Path, default=Path(".bench-cache"))
    args = parser.parse_args()
    wmt = _shared() / "eval" / "wmt21-news-jaen"
    sample = _shared() / "samples" / "moscow-delay-tactics.ja.txt"
    if not (wmt / "newstest2021.ja-en.docs.jsonl").is_file() or not sample.is_file():
        print(f"skipped: shared evaluation data not found under {_shared()}")
        return 0
    engine = _model(args.cache_dir, wmt)
    docs = _documents(wmt, args.sentences)
    sentences = [s for doc in docs for s in _sentences(doc)]

    # Warm-up (untimed): loads weights into caches, spins up the thread pool.
    engine.translate_batch(sentences[:8])

    # (a) raw CTranslate2 on pre-tokenized sentences, same options as the engine.
    tokens = engine.tokenize(sentences)
    translator = engine._translator
    max_length = math.ceil(engine.max_decoding_length_factor * max(map(len, tokens))) + 10
    start = time.perf_counter()
    translator.translate_batch(
        tokens,
        max_batch_size=engine.max_batch_tokens,
        batch_type="tokens",
        beam_size=BEAM,
        max_decoding_length=max_length,
    )
    raw_s = time.perf_counter() - start

    # (b) the pipeline on the documents (normalize, split, protect, batch, check).
    warm = DictCache()
    start = time.perf_counter()
    results = translate_texts(docs, engine=engine, cache=warm)
    pipe_s = time.perf_counter() - start
    produced = sum(len(r.segments) for r in results)
    assert produced == len(sentences)

    # (b') the same documents with the sentence cache now warm (no engine call at all).
    start = time.perf_counter()
    cached = translate_texts(docs, engine=engine, cache=warm)
    warm_s = time.perf_counter() - start
    warm_hits = sum(r.cache_hits for r in cached)

    # (c) a 30-sentence article, full vs. after one sentence changed (cached).
    article_sentences = _sentences(sample.read_text(encoding="utf-8"))
    article_sentences = [s for s in article_sentences if s.endswith("。")][:30]
    article = "".join(article_sentences)
    cache = DictCache()
    start = time.perf_counter()
    translate_texts([article], engine=engine, cache=cache)
    full_s = time.perf_counter() - start
    changed = article.replace(article_sentences[10], article_sentences[10][:-1] + "！", 1)
    start = time.perf_counter()
    [again] = translate_texts([changed], engine=engine, cache=cache)
    re_s = time.perf_counter() - start

    raw_rate, pipe_rate = len(sentences) / raw_s, produced / pipe_s
    rows = [
        ("(a) raw ctranslate2", f"{len(sentences)} sent", f"{raw_s:.2f} s", f"{raw_rate:.1f}/s"),
        ("(b) pipeline", f"{produced} sent", f"{pipe_s:.2f} s", f"{pipe_rate:.1f}/s"),
        ("    ratio b/a", "", "", f"{pipe_rate / raw_rate:.2f}"),
        ("(b') warm cache", f"{warm_hits} hits", f"{warm_s:.3f} s", f"{produced / warm_s:.0f}/s"),
        ("(c) article full", f"{len(article_sentences)} sent", f"{full_s:.2f} s", ""),
        ("(c) one changed", f"{again.cache_misses} miss", f"{re_s:.2f} s", f"{re_s / full_s:.3f}"),
    ]
    print(f"{'measure':<22}{'size':>12}{'time':>10}{'rate':>12}")
    for row in rows:
        print(f"{row[0]:<22}{row[1]:>12}{row[2]:>10}{row[3]:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
