"""Throughput of the translation pipeline against raw CTranslate2, like for like.

Usage: .venv/bin/python bench/throughput.py [--sentences 120] [--repeat 3] [--inter 1]
       [--intra 2] [--batch-tokens 2048] [--grid] [--cache-dir .bench-cache]

Builds (once, cached) a random-weight 6+6-layer Transformer (d_model 512, 8 heads, FFN 2048,
SentencePiece vocabulary up to 8000 trained on WMT21 text) with translators.toymodel. Then, in
one process, with one engine (same beam, compute type, threads, decoding caps), after an
untimed warm-up of every case, it runs each case ``--repeat`` times, alternating the order of
the cases from one round to the next, and prints the medians:

  raw, one call     ctranslate2.Translator.translate_batch once on the pre-tokenized sentences,
                    one cap for all (2 x longest + 10: what the engine did before buckets);
  raw, bucketed     translate_batch per length bucket with each bucket's cap, as the engine
                    does: the like-for-like baseline of the pipeline (same calls, same caps);
  pipeline          translators.pipeline.translate_texts on the WMT21 documents holding those
                    sentences (normalize, split, batch, checks, review), no cache;
  pipeline+glossary the same with the legal-dictionary glossary enforced (WMT terminology-task
                    style, as bench/terminology.py); the engine's strategy memory has learned
                    in the warm-up which rounds fail with this model (a cold-memory run is
                    printed separately);
  8 jobs, batching  the documents split over 8 threads calling the pipeline at once through
                    one BatchingEngine (cross-job batching, 5 ms window);
  8 jobs, direct    the same 8 threads calling the engine directly (no window).

Each row gives sentences/s and source tokens/s; ratios: pipeline / raw bucketed (goal >= 0.9)
and glossary cost (enforced time / plain time, goal <= 1.5). ``--grid`` also measures the 8-job
case for several inter/intra-thread and batch-size settings. Skips when the shared data is
absent.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from terminology import Dictionary, load_documents, shared_dir

from glossaries import Entry, Matcher
from translators.batching import BatchingEngine
from translators.ctranslate import CTranslate2Engine, length_buckets
from translators.engine import Engine
from translators.normalize import normalize
from translators.package import InstalledPackage, find, install
from translators.pipeline import translate_texts
from translators.segment import split_paragraphs, split_sentences
from translators.strategy_memory import StrategyMemory
from translators.toymodel import build_package

BEAM = 2


class DictCache:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        return [self.data.get(k) for k in keys]

    def set_many(self, items: Mapping[str, str]) -> None:
        self.data.update(items)


def bench_package(cache_dir: Path, wmt: Path) -> InstalledPackage:
    """The realistic-size random package, built once into ``cache_dir``."""
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
    return package


def _sentences(text: str) -> list[str]:
    norm = normalize(text).text
    return [s for p in split_paragraphs(norm) for s in split_sentences(p)]


def _raw_one_call(engine: CTranslate2Engine, tokens: list[list[str]]) -> int:
    results = engine._translator.translate_batch(
        tokens,
        max_batch_size=engine.max_batch_tokens,
        batch_type="tokens",
        beam_size=engine.beam_size,
        max_decoding_length=engine.cap(max(map(len, tokens))),
        repetition_penalty=engine.repetition_penalty,
        no_repeat_ngram_size=engine.no_repeat_ngram_size,
    )
    return sum(len(r.hypotheses[0]) for r in results)


def _raw_bucketed(engine: CTranslate2Engine, tokens: list[list[str]]) -> int:
    produced = 0
    for bucket in length_buckets([len(t) for t in tokens]):
        batch = [tokens[i] for i in bucket]
        results = engine._translator.translate_batch(
            batch,
            max_batch_size=engine.max_batch_tokens,
            batch_type="tokens",
            beam_size=engine.beam_size,
            max_decoding_length=engine.cap(max(map(len, batch))),
            repetition_penalty=engine.repetition_penalty,
            no_repeat_ngram_size=engine.no_repeat_ngram_size,
        )
        produced += sum(len(r.hypotheses[0]) for r in results)
    return produced


def _concurrent(docs: list[str], engine: Engine, jobs: int, matcher: Matcher | None) -> int:
    groups = [docs[i::jobs] for i in range(jobs)]
    produced = [0] * jobs

    def job(i: int) -> None:
        results = translate_texts(groups[i], engine=engine, matcher=matcher)
        produced[i] = sum(len(r.segments) for r in results)

    threads = [threading.Thread(target=job, args=(i,)) for i in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(produced)


def _alternating(cases: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds per case; the order of the cases alternates from round to round."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for round_ in range(repeat):
        for name in names if round_ % 2 == 0 else reversed(names):
            start = time.perf_counter()
            cases[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def _engine(package: InstalledPackage, inter: int, intra: int, batch: int) -> CTranslate2Engine:
    return CTranslate2Engine(
        package, beam_size=BEAM, inter_threads=inter, intra_threads=intra, max_batch_tokens=batch
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--sentences", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--inter", type=int, default=1, help="CTranslate2 inter_threads")
    parser.add_argument("--intra", type=int, default=2, help="CTranslate2 intra_threads")
    parser.add_argument("--batch-tokens", type=int, default=2048)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--grid", action="store_true", help="also try thread/batch settings")
    parser.add_argument("--grid-repeat", type=int, default=1)
    parser.add_argument("--grid-only", action="store_true", help="only the grid")
    parser.add_argument("--cache-dir", type=Path, default=Path(".bench-cache"))
    args = parser.parse_args()
    wmt = shared_dir() / "eval" / "wmt21-news-jaen"
    terms = shared_dir() / "eval" / "jlt-law-dict" / "jlt_terms.jsonl"
    if not (wmt / "newstest2021.ja-en.docs.jsonl").is_file() or not terms.is_file():
        print(f"skipped: shared evaluation data not found under {shared_dir()}")
        return 0
    package = bench_package(args.cache_dir, wmt)
    engine = _engine(package, args.inter, args.intra, args.batch_tokens)

    dictionary = Dictionary(
        json.loads(line) for line in terms.read_text(encoding="utf-8").splitlines() if line
    )
    docs: list[str] = []
    entries: dict[str, Entry] = {}
    count = 0
    for doc in load_documents(wmt / "newstest2021.ja-en.docs.jsonl", dictionary, None):
        docs.append("\n".join(s.strip() for s in doc.sources))
        for entry in doc.entries:
            entries.setdefault(entry.source, entry)
        count += sum(len(_sentences(s)) for s in doc.sources)
        if count >= args.sentences:
            break
    matcher = Matcher(list(entries.values()))
    sentences = [s for doc in docs for s in _sentences(doc)]
    tokens = engine.tokenize(sentences)
    n, n_tokens = len(sentences), sum(map(len, tokens))
    with_terms = sum(1 for s in sentences if matcher.find(s))
    print(
        f"{n} sentences ({n_tokens} source tokens) in {len(docs)} WMT21 documents, "
        f"{with_terms} with glossary terms ({len(entries)} entries); beam {BEAM}, "
        f"{engine.compute_type}, inter {args.inter} x intra {args.intra}, "
        f"batch {args.batch_tokens} tokens, {os.cpu_count()} cores",
        flush=True,
    )

    if args.grid_only:
        _grid(package, docs, n, n_tokens, args.jobs, args.grid_repeat)
        return 0

    def pipeline() -> None:
        results = translate_texts(docs, engine=engine)
        assert sum(len(r.segments) for r in results) == n

    def enforced() -> None:
        results = translate_texts(docs, engine=engine, matcher=matcher)
        assert sum(len(r.segments) for r in results) == n
        assert not any("term-missing" in r.review_reasons for r in results)

    batching = BatchingEngine(engine, max_wait_ms=5.0)

    def concurrent() -> None:
        assert _concurrent(docs, batching, args.jobs, None) == n

    def concurrent_direct() -> None:
        assert _concurrent(docs, engine, args.jobs, None) == n

    cases: dict[str, Callable[[], object]] = {
        "raw, one call": lambda: _raw_one_call(engine, tokens),
        "raw, bucketed": lambda: _raw_bucketed(engine, tokens),
        "pipeline": pipeline,
        "pipeline+glossary": enforced,
        f"{args.jobs} jobs, batching": concurrent,
        f"{args.jobs} jobs, direct": concurrent_direct,
    }
    # Cold strategy memory: what the first enforced run after a model load costs (after an
    # unenforced run, so that it does not pay CTranslate2's own warm-up).
    pipeline()
    engine.strategy_memory = StrategyMemory()
    start = time.perf_counter()
    enforced()
    cold = time.perf_counter() - start
    for case in cases.values():  # warm-up, untimed
        case()
    medians = _alternating(cases, args.repeat)
    batching.close()

    print(f"\nmedians of {args.repeat}, order alternating")
    print(f"{'case':<22}{'seconds':>9}{'sent/s':>9}{'tokens/s':>10}")
    for name, seconds in medians.items():
        print(f"{name:<22}{seconds:>9.2f}{n / seconds:>9.2f}{n_tokens / seconds:>10.1f}")
    print(f"{'glossary, cold memory':<22}{cold:>9.2f}{n / cold:>9.2f}{n_tokens / cold:>10.1f}")
    raw = medians["raw, bucketed"]
    print(f"\npipeline / raw bucketed (rate):   {raw / medians['pipeline']:.2f}  (goal >= 0.9)")
    print(f"pipeline / raw one call (rate):   {medians['raw, one call'] / medians['pipeline']:.2f}")
    cost = medians["pipeline+glossary"] / medians["pipeline"]
    print(f"glossary cost (time, enforced/plain): {cost:.2f}x  (goal <= 1.5)")
    print(f"glossary cost, cold memory:           {cold / medians['pipeline']:.2f}x")
    tallies = {s: engine.strategy_memory.tally(s) for s in ("inline", "placeholder")}
    print(
        "strategy memory: "
        + ", ".join(f"{s} {t.successes}/{t.tries} kept" for s, t in tallies.items())
    )
    concurrent_s = medians[f"{args.jobs} jobs, batching"]
    direct_s = medians[f"{args.jobs} jobs, direct"]
    print(f"{args.jobs} jobs batching / pipeline (rate): {medians['pipeline'] / concurrent_s:.2f}")
    print(
        f"{args.jobs} jobs batching / {args.jobs} jobs direct (rate): {direct_s / concurrent_s:.2f}"
    )

    # Warm sentence cache: the same documents again, no engine call.
    warm = DictCache()
    translate_texts(docs, engine=engine, cache=warm)
    start = time.perf_counter()
    translate_texts(docs, engine=engine, cache=warm)
    print(f"warm sentence cache: {n / (time.perf_counter() - start):.0f} sent/s")

    if args.grid:
        _grid(package, docs, n, n_tokens, args.jobs, args.grid_repeat)
    return 0


def _grid(
    package: InstalledPackage, docs: list[str], n: int, n_tokens: int, jobs: int, repeat: int
) -> None:
    """The concurrent-jobs case under several thread and batch-size settings, with and
    without the cross-job window (one engine per setting)."""
    settings = [(1, 2, 2048), (2, 1, 2048), (1, 1, 2048), (2, 1, 1024), (2, 1, 4096)]
    cases: dict[str, Callable[[], object]] = {}
    closers = []
    for inter, intra, batch in settings:
        engine = _engine(package, inter, intra, batch)
        batching = BatchingEngine(engine, max_wait_ms=5.0)
        closers.append(batching)
        name = f"inter {inter} intra {intra} batch {batch}"
        cases[f"{name}, direct"] = functools.partial(_concurrent, docs, engine, jobs, None)
        cases[f"{name}, window"] = functools.partial(_concurrent, docs, batching, jobs, None)
    for case in cases.values():
        case()
    medians = _alternating(cases, repeat)
    for batching in closers:
        batching.close()
    print(f"\n{jobs} concurrent jobs, medians of {repeat}")
    print(f"{'setting':<40}{'seconds':>9}{'sent/s':>9}{'tokens/s':>10}")
    for name, seconds in medians.items():
        print(f"{name:<40}{seconds:>9.2f}{n / seconds:>9.2f}{n_tokens / seconds:>10.1f}")


if __name__ == "__main__":
    sys.exit(main())
