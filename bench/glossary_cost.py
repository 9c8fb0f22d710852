"""What glossary enforcement costs, warm, on the full WMT21 ja→en set (1,005 segments).

Usage: .venv/bin/python bench/glossary_cost.py [--repeat 5] [--size realistic|small]
       [--limit-docs N] [--intra 2] [--cache-dir .bench-cache] [--profile]

Every WMT21 document (81, 1,005 segments) is translated in one ``translate_texts`` call with
no sentence cache, once without a glossary and once with the legal dictionary's terms of
that document (bench/terminology.py's WMT definition: pairs whose Japanese occurs in the
segment and whose English occurs in its reference), the order of the two cases alternating
from round to round; one warm-up round first (it also warms the model's strategy memory, as
a long-running worker's is). Prints the segment and term counts it ran on, the median of
``--repeat`` rounds of each case and the ratio (goal <= 1.25), and refuses to print a ratio
when the workload is not the full set (fewer segments or no terms), unless ``--limit-docs``
asked for fewer. ``--profile`` prints a cProfile of one enforced round (stdlib: no extra
dependency for one table).

Model: ``realistic`` is bench/throughput.py's 6+6-layer d512 random package; ``small`` a
3+3-layer d256 one, ``tiny`` the tests' 2+2-layer d64 one (the less compute per token, the
more the pipeline's own cost weighs: their ratios are the harder ones). Random weights
decode to their cap, so the engine time is an upper bound of a real model's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from terminology import Dictionary, load_documents, shared_dir
from throughput import bench_package

from glossaries import Matcher
from translators.ctranslate import CTranslate2Engine
from translators.package import InstalledPackage, find, install
from translators.pipeline import TranslationResult, translate_texts
from translators.toymodel import build_package

FULL_SEGMENTS = 1005
BEAM = 2


def small_package(cache_dir: Path, wmt: Path) -> InstalledPackage:
    models = cache_dir / "models-small"
    package = find(models, "ja", "en")
    if package is None:
        lines = (wmt / "newstest2021.ja-en.src.ja").read_text(encoding="utf-8").splitlines()
        lines += (wmt / "newstest2021.ja-en.ref.A.en").read_text(encoding="utf-8").splitlines()
        archive = build_package(
            cache_dir / "archives-small",
            num_layers=3,
            d_model=256,
            num_heads=4,
            ffn_dim=1024,
            vocab_size=8000,
            training_text=lines,
        )
        package = install(archive, models)
    return package


class CountingEngine(CTranslate2Engine):
    """The engine, counting the tokens it decodes (what the time is mostly made of)."""

    decoded = 0

    def translate_tokens_detailed(self, tokens: list[list[str]]) -> list[tuple[list[str], bool]]:
        out = super().translate_tokens_detailed(tokens)
        self.decoded += sum(len(pieces) for pieces, _ in out)
        return out


def tiny_package(cache_dir: Path, wmt: Path) -> InstalledPackage:
    models = cache_dir / "models-tiny"
    return find(models, "ja", "en") or install(build_package(cache_dir / "archives-tiny"), models)


def _rounds(cases: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for round_ in range(repeat):
        for name in names if round_ % 2 == 0 else list(reversed(names)):
            start = time.perf_counter()
            cases[name]()
            times[name].append(time.perf_counter() - start)
        print(f"  round {round_ + 1}: " + ", ".join(f"{n} {t[-1]:.1f} s" for n, t in times.items()))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", choices=("realistic", "small", "tiny"), default="realistic")
    parser.add_argument("--limit-docs", type=int, default=None)
    parser.add_argument("--intra", type=int, default=2, help="CTranslate2 intra_threads")
    parser.add_argument("--cache-dir", type=Path, default=Path(".bench-cache"))
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    wmt = shared_dir() / "eval" / "wmt21-news-jaen"
    terms = shared_dir() / "eval" / "jlt-law-dict" / "jlt_terms.jsonl"
    if not (wmt / "newstest2021.ja-en.docs.jsonl").is_file() or not terms.is_file():
        print(f"skipped: shared evaluation data not found under {shared_dir()}")
        return 0
    make = {"realistic": bench_package, "small": small_package, "tiny": tiny_package}[args.size]
    engine = CountingEngine(
        make(args.cache_dir, wmt), beam_size=BEAM, inter_threads=1, intra_threads=args.intra
    )
    dictionary = Dictionary(
        json.loads(line) for line in terms.read_text(encoding="utf-8").splitlines() if line
    )
    docs = load_documents(wmt / "newstest2021.ja-en.docs.jsonl", dictionary, args.limit_docs)
    texts = [doc.sources for doc in docs]
    matchers = [Matcher(doc.entries) for doc in docs]
    segments = sum(map(len, texts))

    def plain() -> list[TranslationResult]:
        return [r for t in texts for r in translate_texts(t, engine=engine)]

    def enforced() -> list[TranslationResult]:
        return [
            r
            for t, m in zip(texts, matchers, strict=True)
            for r in translate_texts(t, engine=engine, matcher=m)
        ]

    print(f"warm-up round ({args.size} model, intra {args.intra}, beam {BEAM}) ...", flush=True)
    plain()
    plain_tokens, engine.decoded = engine.decoded, 0
    results = enforced()
    enforced_tokens = engine.decoded
    reports = [t for r in results for s in r.segments for t in s.terms]
    present = sum(t.present for t in reports)
    sentences = sum(len(r.segments) for r in results)
    print(
        f"workload: {len(docs)} documents, {segments} segments, {sentences} sentences, "
        f"{sum(map(len, (d.entries for d in docs)))} glossary entries, {len(reports)} terms "
        f"enforced ({present} present, {sum('term-missing' in r.review_reasons for r in results)}"
        " results term-missing)",
        flush=True,
    )
    print(
        f"tokens decoded: plain {plain_tokens}, with glossary {enforced_tokens} "
        f"(x{enforced_tokens / max(1, plain_tokens):.3f}; random weights: lengths are the "
        "model's, not a translation's)",
        flush=True,
    )
    if args.profile:
        import cProfile
        import pstats

        with cProfile.Profile() as profiler:
            enforced()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    times = _rounds({"plain": plain, "glossary": enforced}, args.repeat)
    base, cost = statistics.median(times["plain"]), statistics.median(times["glossary"])
    print(f"median plain {base:.2f} s, with glossary {cost:.2f} s ({args.repeat} rounds)")
    if args.limit_docs is None and (segments != FULL_SEGMENTS or not reports):
        print(f"refused: {segments} segments, {len(reports)} terms: not the full WMT21 workload")
        return 1
    print(f"glossary cost: x{cost / base:.3f} (goal <= 1.25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
