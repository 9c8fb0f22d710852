"""Terminology test in the style of the WMT terminology tasks, on WMT21 news Japanese→English.

Usage: .venv/bin/python bench/terminology.py [--model PATH_OR_DIR | --toy] [--limit-docs N]

Data (read from KAKEHASHI_SHARED_DIR, default ../shared next to the repository):
``eval/wmt21-news-jaen/newstest2021.ja-en.docs.jsonl`` and ``eval/jlt-law-dict/jlt_terms.jsonl``.
Exits 0 with a message when they are absent.

Glossary, per segment (the WMT definition): the legal dictionary's (ja, en) pairs whose
Japanese occurs in the source segment (NFKC, plain substring) and whose English occurs in the
segment's reference (NFKC, case-insensitive, word boundaries). One-character Japanese
headwords (国, 条, 罪 ...) are skipped: they match almost everywhere. Pairs are taken literally,
so renderings with "…" slots or optional "(...)" parts rarely qualify.

Per document, the segment glossaries are united into one glossary ``Entry`` per Japanese
headword and one ``Matcher``. When a headword has several renderings in one document, the
pair of its first occurrence is kept (first segment in document order; within that segment
the longest rendering found in its reference, then dictionary order); later segments are
held to that rendering too, and the number of such headwords is reported. Each document is
then translated with one batched call,
``translate_texts([seg.src for seg in doc], engine=..., matcher=...)``, and once more with
``matcher=None`` as the baseline.

Figures:
  * terms expected: the TermReports, i.e. terms our matcher found in the source sentences
    (one per entry and sentence; leftmost-longest, so 会社 inside 株式会社 is not counted);
    the share reported present, the same share re-checked independently (case-insensitive
    substring, and with word boundaries), needs_review, term-missing, and the strategies;
  * baseline: the share of the same renderings present in the plain (matcher=None) output;
  * WMT-style: the share of the segment glossary pairs whose English occurs in the output,
    and how many of them our matcher found (a headword inside a longer one, e.g. 議会 in
    協議会, is a substring hit but no match; a later rendering of a headword is not enforced);
  * guarantees: one TranslationResult per input segment, in order, and each result's
    sentences found in order in its input segment.

Engine: ``--model`` (an .argosmodel archive, an installed package folder, or a folder of
packages), else the first ja→en package in KAKEHASHI_MODELS_DIR (default
~/.local/share/kakehashi/models) or ~/.local/share/argos-translate/packages, else the tiny
random-weight toy package (``--toy`` forces it). With random weights only the guarantee
figures are meaningful, not the baseline or translation quality.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from glossaries import Entry, Matcher
from glossaries.model import entry_id
from translators.ctranslate import CTranslate2Engine
from translators.package import InstalledPackage, PackageError, find, install, list_installed
from translators.pipeline import TranslationResult, translate_texts
from translators.toymodel import build_package

REPO = Path(__file__).resolve().parents[1]
DOCS = Path("eval/wmt21-news-jaen/newstest2021.ja-en.docs.jsonl")
TERMS = Path("eval/jlt-law-dict/jlt_terms.jsonl")
STRATEGIES = ("inline", "placeholder", "split", "none")

Pair = tuple[str, str]  # (ja, en)


def shared_dir() -> Path:
    return Path(os.environ.get("KAKEHASHI_SHARED_DIR", REPO.parent / "shared"))


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# ---------------------------------------------------------------------------- data


@dataclass
class Document:
    doc_id: str
    sources: list[str]
    references: list[str]
    pairs: list[list[Pair]] = field(default_factory=list)  # per segment, WMT definition
    entries: list[Entry] = field(default_factory=list)  # per document, first occurrence
    conflicts: int = 0  # headwords with several renderings in this document


class Dictionary:
    """The legal dictionary's (ja, en) pairs, with a compiled English pattern each."""

    def __init__(self, rows: Iterable[dict[str, object]]) -> None:
        seen: set[Pair] = set()
        self.pairs: list[Pair] = []
        for row in rows:
            ja = nfkc(str(row.get("ja") or "")).strip()
            en = nfkc(str(row.get("en") or "")).strip()
            if len(ja) < 2 or not en or (ja, en) in seen:
                continue
            seen.add((ja, en))
            self.pairs.append((ja, en))
        self.headwords = list(dict.fromkeys(ja for ja, _ in self.pairs))
        self._by_ja: dict[str, list[str]] = {}
        for ja, en in self.pairs:
            self._by_ja.setdefault(ja, []).append(en)
        self._pattern = {
            en: re.compile(rf"(?<!\w){re.escape(en)}(?!\w)", re.IGNORECASE) for _, en in self.pairs
        }

    def segment_pairs(self, source: str, reference: str) -> list[Pair]:
        src, ref = nfkc(source), nfkc(reference)
        return [
            (ja, en)
            for ja in self.headwords
            if ja in src
            for en in self._by_ja[ja]
            if self._pattern[en].search(ref)
        ]


def load_documents(path: Path, dictionary: Dictionary, limit: int | None) -> list[Document]:
    docs: list[Document] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            if limit is not None and len(docs) >= limit:
                break
            data = json.loads(line)
            segments = data["segments"]
            doc = Document(
                doc_id=str(data.get("doc_id", len(docs))),
                sources=[str(s["src"]) for s in segments],
                references=[str(s["ref"]) for s in segments],
            )
            chosen: dict[str, str] = {}
            renderings: dict[str, set[str]] = {}
            for src, ref in zip(doc.sources, doc.references, strict=True):
                pairs = dictionary.segment_pairs(src, ref)
                doc.pairs.append(pairs)
                # Longest rendering first: "validity period" over "validity" in one ref.
                for ja, en in sorted(pairs, key=lambda pair: -len(pair[1])):
                    chosen.setdefault(ja, en)
                    renderings.setdefault(ja, set()).add(en.casefold())
            doc.entries = [Entry(ja, {"en": en}) for ja, en in chosen.items()]
            doc.conflicts = sum(1 for found in renderings.values() if len(found) > 1)
            docs.append(doc)
    return docs


# ---------------------------------------------------------------------------- engine


def _package_at(path: Path) -> InstalledPackage | None:
    """The installed package in folder ``path``, or the ja→en one among its subfolders."""
    if (path / "metadata.json").is_file():
        for package in list_installed(path.parent):
            if package.path.resolve() == path.resolve():
                return package
        return None
    return find(path, "ja", "en")


def resolve_model(model: Path | None, workdir: Path) -> InstalledPackage | None:
    """The real ja→en package to use: ``model`` if given, else the first one installed."""
    if model is not None:
        if model.is_file():
            return install(model, workdir / "models")
        return _package_at(model)
    home = Path.home() / ".local" / "share"
    models_dir = Path(os.environ.get("KAKEHASHI_MODELS_DIR", home / "kakehashi" / "models"))
    return find(models_dir, "ja", "en", extra_dirs=[home / "argos-translate" / "packages"])


def toy_package(workdir: Path) -> InstalledPackage:
    return install(build_package(workdir / "archives", source="ja", target="en"), workdir / "m")


# ---------------------------------------------------------------------------- measures


def contains(text: str, rendering: str) -> bool:
    return rendering.casefold() in text.casefold()


def contains_word(text: str, rendering: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(rendering)}(?!\w)", text, re.IGNORECASE) is not None


def in_order(source: str, result: TranslationResult) -> bool:
    """Whether the result's sentences occur in its input segment, one after the other."""
    cursor = 0
    for segment in result.segments:
        found = source.find(segment.source, cursor)
        if found < 0:
            return False
        cursor = found + len(segment.source)
    return True


@dataclass
class Figures:
    inputs: int = 0
    results: int = 0
    sentences: int = 0
    order_ok: int = 0  # input segments whose result is whole and in order
    expected: int = 0
    reported: int = 0
    recheck: int = 0
    recheck_word: int = 0
    disagree: int = 0  # report says present, re-check says not (or the reverse)
    needs_review: int = 0
    term_missing: int = 0
    unflagged: int = 0  # sentences with a term absent but no "term-missing" flag (must be 0)
    empty: int = 0
    strategies: Counter[str] = field(default_factory=Counter)
    baseline: int = 0
    baseline_word: int = 0
    wmt_pairs: int = 0
    wmt_matched: int = 0  # pairs whose headword our matcher found in that segment
    wmt_enforced: int = 0
    wmt_baseline: int = 0
    docs_with_terms: int = 0
    entries: int = 0
    conflicts: int = 0
    baseline_order_ok: int = 0
    baseline_results: int = 0
    seconds_enforced: float = 0.0
    seconds_baseline: float = 0.0


def measure(
    doc: Document,
    enforced: Sequence[TranslationResult],
    plain: Sequence[TranslationResult],
    figures: Figures,
) -> None:
    figures.inputs += len(doc.sources)
    figures.results += len(enforced)
    figures.baseline_results += len(plain)
    figures.entries += len(doc.entries)
    figures.conflicts += doc.conflicts
    figures.docs_with_terms += bool(doc.entries)
    whole = len(enforced) == len(doc.sources)
    for source, result in zip(doc.sources, enforced, strict=False):
        figures.order_ok += whole and in_order(source, result)
        figures.sentences += len(result.segments)
        figures.needs_review += result.needs_review
        for segment in result.segments:
            figures.term_missing += "term-missing" in segment.flags
            figures.empty += "empty" in segment.flags
            lost = any(not contains(segment.translation, r.target) for r in segment.terms)
            figures.unflagged += lost and "term-missing" not in segment.flags
            for report in segment.terms:
                figures.expected += 1
                figures.reported += report.present
                again = contains(segment.translation, report.target)
                figures.recheck += again
                figures.recheck_word += contains_word(segment.translation, report.target)
                figures.disagree += again != report.present
                figures.strategies[report.strategy] += 1
    plain_whole = len(plain) == len(doc.sources)
    for index, (source, result) in enumerate(zip(doc.sources, plain, strict=False)):
        figures.baseline_order_ok += plain_whole and in_order(source, result)
        text = " ".join(s.translation for s in result.segments)
        if index < len(enforced):
            for segment in enforced[index].segments:
                for report in segment.terms:
                    figures.baseline += contains(text, report.target)
                    figures.baseline_word += contains_word(text, report.target)
    if not (whole and plain_whole):
        return
    for index, pairs in enumerate(doc.pairs):
        with_terms = " ".join(s.translation for s in enforced[index].segments)
        without = " ".join(s.translation for s in plain[index].segments)
        matched = {r.entry_id for s in enforced[index].segments for r in s.terms}
        for ja, en in pairs:
            figures.wmt_pairs += 1
            figures.wmt_matched += entry_id(ja) in matched
            figures.wmt_enforced += contains(with_terms, en)
            figures.wmt_baseline += contains(without, en)


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / whole:.1f}%" if whole else f"{part}/0"


def report(figures: Figures, engine_label: str, toy: bool, docs: int) -> None:
    f = figures
    rows: list[tuple[str, str]] = [
        ("engine", engine_label),
        ("documents / input segments", f"{docs} / {f.inputs}"),
        ("glossary entries (sum of docs)", f"{f.entries} in {f.docs_with_terms} docs"),
        ("  headwords, several renderings", f"{f.conflicts} (first occurrence kept)"),
        ("-- guarantees (enforced run)", ""),
        ("results out (one per segment)", f"{f.results} (in: {f.inputs})"),
        ("segments whole and in order", share(f.order_ok, f.inputs)),
        ("sentences produced", str(f.sentences)),
        ("terms expected (matcher)", str(f.expected)),
        ("present, per TermReport", share(f.reported, f.expected)),
        ("present, re-checked (substring)", share(f.recheck, f.expected)),
        ("present, re-checked (word)", share(f.recheck_word, f.expected)),
        ("report vs re-check disagree", str(f.disagree)),
        ("needs_review (input segments)", share(f.needs_review, f.inputs)),
        ("  sentences term-missing / empty", f"{f.term_missing} / {f.empty}"),
        ("term absent but not flagged", str(f.unflagged)),
        ("strategy", "  ".join(f"{s}={f.strategies.get(s, 0)}" for s in STRATEGIES)),
    ]
    other = {k: v for k, v in f.strategies.items() if k not in STRATEGIES}
    if other:
        rows.append(("  other strategies", str(other)))
    rows += [
        ("-- baseline (matcher=None)", ""),
        ("results out, whole and in order", f"{f.baseline_results}, {f.baseline_order_ok} ok"),
        ("same renderings present", share(f.baseline, f.expected)),
        ("  with word boundaries", share(f.baseline_word, f.expected)),
        ("-- WMT-style (segment pairs)", ""),
        ("pairs found by our matcher", share(f.wmt_matched, f.wmt_pairs)),
        ("ref-derived renderings, enforced", share(f.wmt_enforced, f.wmt_pairs)),
        ("ref-derived renderings, baseline", share(f.wmt_baseline, f.wmt_pairs)),
        ("-- time", ""),
        ("enforced / baseline run", f"{f.seconds_enforced:.1f} s / {f.seconds_baseline:.1f} s"),
    ]
    width = max(len(label) for label, _ in rows) + 2
    for label, value in rows:
        print(f"{label:<{width}}{value}")
    if toy:
        print(
            "\nNOTE: toy model with RANDOM WEIGHTS — only the guarantee figures (segments "
            "in/out and order, terms present or flagged, report = re-check) are meaningful; "
            "the baseline, WMT-style and strategy figures say nothing about a real model."
        )


# ---------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--model", type=Path, help="an .argosmodel, a package folder, or a folder")
    group.add_argument("--toy", action="store_true", help="use the random-weight toy package")
    parser.add_argument("--limit-docs", type=int, default=None, metavar="N")
    parser.add_argument("--threads", type=int, default=1, help="CTranslate2 intra threads")
    args = parser.parse_args(argv)

    shared = shared_dir()
    if not (shared / DOCS).is_file() or not (shared / TERMS).is_file():
        print(f"skipped: {DOCS} or {TERMS} not found under {shared} (set KAKEHASHI_SHARED_DIR)")
        return 0

    started = time.perf_counter()
    with (shared / TERMS).open(encoding="utf-8") as lines:
        dictionary = Dictionary(json.loads(line) for line in lines if line.strip())
    docs = load_documents(shared / DOCS, dictionary, args.limit_docs)

    with tempfile.TemporaryDirectory(prefix="kakehashi-terminology-") as tmp:
        workdir = Path(tmp)
        package: InstalledPackage | None = None
        if not args.toy:
            try:
                package = resolve_model(args.model, workdir)
            except PackageError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            if args.model is not None and package is None:
                print(f"error: no ja→en package at {args.model}", file=sys.stderr)
                return 2
        toy = package is None
        if toy:
            if not args.toy:
                print("no installed ja→en model found: using the random-weight toy package")
            package = toy_package(workdir)
        assert package is not None
        engine = CTranslate2Engine(package, inter_threads=1, intra_threads=args.threads)
        label = "TOY (random weights)" if toy else f"{package.code} {package.version}"
        print(f"engine: {label}; {len(docs)} documents; dictionary {len(dictionary.pairs)} pairs")

        figures = Figures()
        for doc in docs:
            matcher = Matcher(doc.entries) if doc.entries else None
            t0 = time.perf_counter()
            enforced = translate_texts(doc.sources, engine=engine, matcher=matcher)
            t1 = time.perf_counter()
            plain = translate_texts(doc.sources, engine=engine, matcher=None)
            t2 = time.perf_counter()
            figures.seconds_enforced += t1 - t0
            figures.seconds_baseline += t2 - t1
            measure(doc, enforced, plain, figures)

    print()
    report(figures, label, toy, len(docs))
    print(f"\ntotal wall time {time.perf_counter() - started:.1f} s")
    guarantees = (
        figures.results == figures.inputs
        and figures.order_ok == figures.inputs
        and figures.disagree == 0
        and figures.unflagged == 0
        and figures.baseline_results == figures.inputs
        and figures.baseline_order_ok == figures.inputs
    )
    print("guarantees:", "OK" if guarantees else "VIOLATED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
