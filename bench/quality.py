"""Translation quality on WMT21 news ja→en, with and without glossary enforcement, one table.

Usage: .venv/bin/python bench/quality.py [--model PACKAGE] [--limit 20] [--toy] [--beam-size 2]

``--model`` is an argos package: an ``.argosmodel`` file (installed into a temporary folder) or
an installed package folder (e.g. ``~/.local/share/argos-translate/packages/translate-ja_en``).
Without it, the first ja→en package installed in ``$KAKEHASHI_MODELS_DIR``,
``$KAKEHASHI_DATA_DIR/models`` or argos-translate's packages folder is used; with none it prints
how to get one and exits 0. ``--toy`` uses the tiny random-weight model (scores meaningless:
only the guarantees and the review figures say something).

On the first ``--limit`` documents of ``$KAKEHASHI_SHARED_DIR/eval/wmt21-news-jaen``, each
document's segments go through one ``translate_texts`` call, once without a glossary and once
with the legal dictionary enforced (WMT terminology-task style, as bench/terminology.py: the
dictionary pairs whose Japanese occurs in a segment and whose English occurs in its reference).
Columns: plain, glossary. Rows: chrF and BLEU (sacrebleu, against reference A), term success
(expected English terms found in the hypothesis, word boundaries, case-insensitive), segments
with a missing term flagged, the share of segments needing review and the most common reasons,
sentences/s, and the guarantees (one segment per source sentence, order kept).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import sacrebleu
from terminology import (
    DOCS,
    TERMS,
    Dictionary,
    Document,
    contains_word,
    load_documents,
    resolve_model,
    shared_dir,
    toy_package,
)

from glossaries import Matcher
from translators.ctranslate import CTranslate2Engine
from translators.normalize import normalize
from translators.pipeline import TranslationResult, translate_texts
from translators.segment import split_paragraphs, split_sentences

HOW_TO_GET_ONE = """\
No ja→en model package is installed. To get one (about 100 MB), on a machine with network:
  - download translate-ja_en-*.argosmodel from a link of the argos index
    (https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json;
    translators.package_index.load_index/resolve/download do this) and run
    bench/quality.py --model translate-ja_en-....argosmodel
    (or `kakehashi models install` it first); or
  - `argospm install translate-ja_en` (argos-translate's own tool; its packages folder
    ~/.local/share/argos-translate/packages is searched too); or
  - point KAKEHASHI_MODELS_DIR at a folder of installed packages.
Use --toy to run the table with the tiny random-weight model instead."""


def _sentences(text: str) -> list[str]:
    norm = normalize(text).text
    return [s for p in split_paragraphs(norm) for s in split_sentences(p)]


class Column:
    """The figures of one run (plain or glossary) over every document."""

    def __init__(self) -> None:
        self.hypotheses: list[str] = []
        self.references: list[str] = []
        self.expected = self.found = self.flagged = 0
        self.texts = self.review = self.kept = self.ordered = self.sentences = 0
        self.reasons: Counter[str] = Counter()
        self.seconds = 0.0

    def add(self, doc: Document, results: list[TranslationResult], seconds: float) -> None:
        self.seconds += seconds
        for i, (source, result) in enumerate(zip(doc.sources, results, strict=True)):
            hypothesis = " ".join(result.paragraphs())
            self.hypotheses.append(hypothesis)
            self.references.append(doc.references[i])
            for _, en in doc.pairs[i]:
                self.expected += 1
                self.found += contains_word(hypothesis, en)
            self.flagged += any("term-missing" in s.flags for s in result.segments)
            self.texts += 1
            self.review += result.needs_review
            self.reasons.update(result.review_reasons)
            expected = _sentences(source)
            got = [normalize(s.source).text for s in result.segments]
            self.sentences += len(result.segments)
            self.kept += len(got) == len(expected)
            self.ordered += got == expected


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--model", type=Path, default=None, help="an argos package or folder")
    parser.add_argument("--limit", type=int, default=20, help="number of documents (of 81)")
    parser.add_argument("--toy", action="store_true", help="use the tiny random-weight model")
    parser.add_argument("--beam-size", type=int, default=2)
    args = parser.parse_args()
    shared = shared_dir()
    if not (shared / DOCS).is_file() or not (shared / TERMS).is_file():
        print(f"skipped: WMT21 or the legal dictionary not found under {shared}")
        return 0
    dictionary = Dictionary(
        json.loads(line)
        for line in (shared / TERMS).read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    docs = load_documents(shared / DOCS, dictionary, args.limit)
    columns = {"plain": Column(), "glossary": Column()}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        package = toy_package(workdir) if args.toy else resolve_model(args.model, workdir)
        if package is None:
            print(HOW_TO_GET_ONE)
            return 0
        engine = CTranslate2Engine(package, beam_size=args.beam_size)
        engine.translate_batch(["準備。"])  # warm-up
        for doc in docs:
            for name, matcher in (("plain", None), ("glossary", Matcher(doc.entries))):
                start = time.perf_counter()
                results = translate_texts(doc.sources, engine=engine, matcher=matcher)
                columns[name].add(doc, results, time.perf_counter() - start)
    kind = "toy random-weight model: scores are meaningless" if args.toy else str(package.path)
    print(f"model  {package.code} {package.version} ({kind}), beam {args.beam_size}")
    plain, enforced = columns["plain"], columns["glossary"]
    print(f"data   {len(docs)} WMT21 documents, {plain.texts} segments, legal-dictionary terms")
    rows: list[tuple[str, str, str]] = []
    for label, metric in (("chrF", sacrebleu.corpus_chrf), ("BLEU", sacrebleu.corpus_bleu)):
        scores = [f"{metric(c.hypotheses, [c.references]).score:.1f}" for c in columns.values()]
        rows.append((label, scores[0], scores[1]))
    rows += [
        (
            "term success",
            f"{_share(plain.found, plain.expected)} ({plain.found}/{plain.expected})",
            f"{_share(enforced.found, enforced.expected)} ({enforced.found}/{enforced.expected})",
        ),
        ("segments with term-missing", "-", str(enforced.flagged)),
        (
            "needs review",
            _share(plain.review, plain.texts),
            _share(enforced.review, enforced.texts),
        ),
    ]
    reasons = sorted(
        set(plain.reasons) | set(enforced.reasons),
        key=lambda r: -(plain.reasons[r] + enforced.reasons[r]),
    )
    for reason in reasons[:6]:
        rows.append(
            (f"  because {reason}", str(plain.reasons[reason]), str(enforced.reasons[reason]))
        )
    plain_c, glossary_c = columns["plain"], columns["glossary"]
    rows += [
        (
            "sentences/s",
            f"{plain_c.sentences / plain_c.seconds:.2f}",
            f"{glossary_c.sentences / glossary_c.seconds:.2f}",
        ),
        (
            "segments == sentences",
            _share(plain_c.kept, plain_c.texts),
            _share(glossary_c.kept, glossary_c.texts),
        ),
        (
            "order kept",
            _share(plain_c.ordered, plain_c.texts),
            _share(glossary_c.ordered, glossary_c.texts),
        ),
    ]
    width = max(len(r[0]) for r in rows) + 2
    print(f"\n{'':<{width}}{'plain':>22}{'glossary':>22}")
    for label, left, right in rows:
        print(f"{label:<{width}}{left:>22}{right:>22}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
