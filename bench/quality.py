"""Translation quality (chrF, BLEU) and pipeline guarantees on WMT21 news ja→en.

Usage: .venv/bin/python bench/quality.py [--limit 20] [--toy] [--models-dir DIR]

Scores an installed real ja→en argos package with sacrebleu (chrF and BLEU against reference
A of newstest2021) on the first ``--limit`` documents of
``$KAKEHASHI_SHARED_DIR/eval/wmt21-news-jaen`` (default: the ``shared`` folder beside the
repository). The package is looked up in ``--models-dir``, ``$KAKEHASHI_MODELS_DIR``,
``$KAKEHASHI_DATA_DIR/models`` (default ``~/.local/share/kakehashi/models``) and argos-translate's
``~/.local/share/argos-translate/packages``. With none installed it prints how to get one
and exits 0.

Whatever the model, it also checks the pipeline guarantees on those documents, with the shipped
glossaries: one segment per source sentence, in source order, and the share of matched terms
present in the translation (the rest must be flagged "term-missing"). ``--toy`` builds the tiny
random-weight model so this part runs anywhere (its scores are meaningless).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import sacrebleu

from glossaries import Matcher
from glossaries.shipped import shipped_glossaries
from translators.ctranslate import CTranslate2Engine
from translators.normalize import normalize
from translators.package import InstalledPackage, find, install
from translators.pipeline import TranslationResult, translate_texts
from translators.segment import split_paragraphs, split_sentences
from translators.toymodel import build_package

HOW_TO_GET_ONE = """\
No ja→en model package is installed. To get one (about 100 MB), on a machine with network:
  - download translate-ja_en-*.argosmodel from a link of the argos index
    (https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json;
    translators.index.load_index/resolve/download do this) and run
    `kakehashi models install translate-ja_en-....argosmodel`; or
  - `argospm install translate-ja_en` (argos-translate's own tool; its packages folder
    ~/.local/share/argos-translate/packages is searched too); or
  - point KAKEHASHI_MODELS_DIR (or --models-dir) at a folder of installed packages.
Use --toy to check the pipeline guarantees with the tiny random-weight model instead."""


def _shared() -> Path:
    default = Path(__file__).resolve().parents[1].parent / "shared"
    return Path(os.environ.get("KAKEHASHI_SHARED_DIR", default))


def _model_dirs(explicit: Path | None) -> list[Path]:
    dirs: list[Path] = []
    if explicit is not None:
        dirs.append(explicit)
    if os.environ.get("KAKEHASHI_MODELS_DIR"):
        dirs.append(Path(os.environ["KAKEHASHI_MODELS_DIR"]))
    data = Path(os.environ.get("KAKEHASHI_DATA_DIR", Path.home() / ".local/share/kakehashi"))
    dirs.append(data / "models")
    dirs.append(Path.home() / ".local" / "share" / "argos-translate" / "packages")
    return dirs


def _find_real(explicit: Path | None) -> InstalledPackage | None:
    dirs = _model_dirs(explicit)
    return find(dirs[0], "ja", "en", extra_dirs=dirs[1:])


def _documents(wmt: Path, limit: int) -> list[list[tuple[str, str]]]:
    docs: list[list[tuple[str, str]]] = []
    lines = (wmt / "newstest2021.ja-en.docs.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines[:limit]:
        docs.append([(s["src"].strip(), s["ref"].strip()) for s in json.loads(line)["segments"]])
    return docs


def _sentences(text: str) -> list[str]:
    norm = normalize(text).text
    return [s for p in split_paragraphs(norm) for s in split_sentences(p)]


def _guarantees(sources: list[str], results: list[TranslationResult]) -> dict[str, float]:
    sentences = kept = ordered = terms = present = flagged_ok = 0
    for source, result in zip(sources, results, strict=True):
        expected = _sentences(source)
        sentences += len(expected)
        got = [normalize(s.source).text for s in result.segments]
        kept += int(len(got) == len(expected))
        ordered += int(got == expected)
        for segment in result.segments:
            for term in segment.terms:
                terms += 1
                present += int(term.present)
                flagged_ok += int(term.present or "term-missing" in segment.flags)
    return {
        "texts": len(sources),
        "sentences": sentences,
        "segments == sentences": kept / max(len(sources), 1),
        "order kept": ordered / max(len(sources), 1),
        "terms matched": terms,
        "terms present": present / terms if terms else 1.0,
        "terms present or flagged": flagged_ok / terms if terms else 1.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--limit", type=int, default=20, help="number of documents (of 81)")
    parser.add_argument("--toy", action="store_true", help="use the tiny random-weight model")
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--beam-size", type=int, default=2)
    args = parser.parse_args()
    wmt = _shared() / "eval" / "wmt21-news-jaen"
    if not (wmt / "newstest2021.ja-en.docs.jsonl").is_file():
        print(f"skipped: WMT21 data not found under {wmt} (set KAKEHASHI_SHARED_DIR)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if args.toy:
            package = install(build_package(Path(tmp) / "archives"), Path(tmp) / "models")
        else:
            found = _find_real(args.models_dir)
            if found is None:
                print(HOW_TO_GET_ONE)
                return 0
            package = found
        engine = CTranslate2Engine(package, beam_size=args.beam_size)
        docs = _documents(wmt, args.limit)
        pairs = [pair for doc in docs for pair in doc]
        sources = [src for src, _ in pairs]
        references = [ref for _, ref in pairs]
        matcher = Matcher(e for g in shipped_glossaries() for e in g.approved())
        start = time.perf_counter()
        results = translate_texts(sources, engine=engine, matcher=matcher)
        seconds = time.perf_counter() - start
    hypotheses = [" ".join(r.paragraphs()) for r in results]
    chrf = sacrebleu.corpus_chrf(hypotheses, [references])
    bleu = sacrebleu.corpus_bleu(hypotheses, [references])
    kind = "toy random-weight model: scores are meaningless" if args.toy else str(package.path)
    print(f"model      {package.code} {package.version} ({kind})")
    print(f"data       {len(docs)} documents, {len(pairs)} segments, {seconds:.1f} s")
    print(f"chrF       {chrf.score:.1f}")
    print(f"BLEU       {bleu.score:.1f}")
    for name, value in _guarantees(sources, results).items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{name:<26} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
