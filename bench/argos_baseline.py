"""argostranslate side by side with kakehashi: the same sentences, the same argos package.

Usage (argostranslate lives in its own venv, see bench/README.md; kakehashi is imported from
the repository, its runtime needs only ctranslate2 and sentencepiece, which argos has too):

  PYTHONPATH=. /tmp/argos-venv/bin/python bench/argos_baseline.py [--model PACKAGE.argosmodel]
      [--sentences 60] [--repeat 3] [--cache-dir .bench-cache]

Installs nothing itself: when ``argostranslate`` is not importable it says so and exits 0. The
package defaults to the realistic-size random package of bench/throughput.py (built there); give
``--model`` for a real one (e.g. translate-ja_en-1_1.argosmodel). It is extracted into a
temporary argos data dir, never the user's. Then, alternating the order, medians of --repeat:

  argos stock        argostranslate.translate's translation object, one sentence per call (its
                     ``translate``): beam 4, CTranslate2's default 256-token cap, batches of 32
                     tokens, the settings an argos/LibreTranslate user gets;
  argos, beam 2      the same with ARGOS_BEAM_SIZE=2 (our beam);
  argos, same cap    beam 2 and each sentence capped like ours (2 x tokens + 10);
  kakehashi          translate_texts on the same sentences (one batched call, no glossary).

Argos splits sentences with MiniSBD, which downloads its model on first use; offline (as here)
the bench gives argos one sentence at a time with a pass-through splitter, which is what argos
does with a one-sentence text once its splitter is there. Prints sentences/s per case and the
first outputs side by side.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from terminology import shared_dir
from throughput import _sentences, bench_package

from translators.ctranslate import CTranslate2Engine
from translators.package import install
from translators.pipeline import translate_texts


class _PassThrough:
    """Argos sentencizer stand-in: the text is one sentence (we feed sentences)."""

    def split_sentences(self, text: str) -> list[str]:
        return [text]


class _Capped:
    """Wraps argos's CTranslate2 translator to cap each sentence like kakehashi does."""

    def __init__(self, inner: Any, factor: float) -> None:
        self.inner = inner
        self.factor = factor

    def translate_batch(self, tokens: list[list[str]], **options: Any) -> Any:
        longest = max(len(t) for t in tokens)
        options["max_decoding_length"] = math.ceil(self.factor * longest) + 10
        return self.inner.translate_batch(tokens, **options)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--model", type=Path, help="an .argosmodel file (default: bench model)")
    parser.add_argument("--sentences", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=Path(".bench-cache"))
    args = parser.parse_args()
    wmt = shared_dir() / "eval" / "wmt21-news-jaen"
    if not (wmt / "newstest2021.ja-en.docs.jsonl").is_file():
        print(f"skipped: shared evaluation data not found under {shared_dir()}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="kakehashi-argos-"))
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = str(work / var.lower())
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "argos-packages")
    try:
        import argostranslate.package
        import argostranslate.settings
        import argostranslate.translate
    except ImportError:
        shutil.rmtree(work, ignore_errors=True)
        print(
            "argostranslate is not importable in this interpreter: nothing to compare. "
            "Make its venv as bench/README.md says and run this script with its python."
        )
        return 0

    if args.model is not None:
        archive = args.model
    else:
        bench_package(args.cache_dir, wmt)
        archive = next((args.cache_dir / "archives").glob("translate-ja_en-*.argosmodel"))
    argostranslate.package.install_from_path(archive)
    ours = CTranslate2Engine(install(archive, work / "kakehashi-models"), beam_size=2)
    translation: Any = argostranslate.translate.get_translation_from_codes("ja", "en")
    package_translation = getattr(translation, "underlying", translation)
    package_translation.sentencizer = _PassThrough()

    sentences: list[str] = []
    for line in (wmt / "newstest2021.ja-en.src.ja").read_text(encoding="utf-8").splitlines():
        sentences += _sentences(line)
        if len(sentences) >= args.sentences:
            break
    n = len(sentences)

    def argos(beam: int, capped: bool) -> Callable[[], list[str]]:
        def run() -> list[str]:
            argostranslate.settings.beam_size = beam
            if package_translation.translator is None:
                package_translation.hypotheses(sentences[0], 1)  # loads the translator
            inner = package_translation.translator
            inner = getattr(inner, "inner", inner)
            package_translation.translator = _Capped(inner, 2.0) if capped else inner
            # A fresh cache each run, so nothing is answered from argos's own cache.
            if hasattr(translation, "cache"):
                translation.cache = {}
            return [package_translation.translate(s) for s in sentences]

        return run

    def kakehashi() -> list[str]:
        [result] = translate_texts(["\n\n".join(sentences)], engine=ours)
        return [s.translation for s in result.segments]

    cases: dict[str, Callable[[], list[str]]] = {
        "argos stock (beam 4, cap 256)": argos(4, False),
        "argos, beam 2": argos(2, False),
        "argos, beam 2, same cap": argos(2, True),
        "kakehashi (beam 2)": kakehashi,
    }
    outputs = {name: case() for name, case in cases.items()}  # warm-up, untimed
    times: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for round_ in range(args.repeat):
        for name in names if round_ % 2 == 0 else reversed(names):
            start = time.perf_counter()
            cases[name]()
            times[name].append(time.perf_counter() - start)
    print(
        f"{n} WMT21 sentences, package {archive.name}, {os.cpu_count()} cores, "
        f"medians of {args.repeat} (order alternating)"
    )
    print(f"{'case':<32}{'seconds':>9}{'sent/s':>9}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<32}{median:>9.2f}{n / median:>9.2f}")
    stock, ours_s = statistics.median(times[names[0]]), statistics.median(times[names[-1]])
    print(f"kakehashi / argos stock (rate): {stock / ours_s:.2f}")
    print("\nfirst outputs (argos stock | kakehashi):")
    for i in range(min(3, n)):
        print(f"  {sentences[i]}\n    argos:     {outputs[names[0]][i][:120]}")
        print(f"    kakehashi: {outputs[names[-1]][i][:120]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
