"""Benchmark glossary matching: Aho-Corasick Matcher against naive baselines.

Run: .venv/bin/python bench/glossary_matching.py [--entries 100000] [--repeat 100]

Builds a synthetic glossary (random katakana and kanji terms plus the shipped entries),
times the automaton build, and measures throughput on the sample article repeated and on the
WMT21 ja-en source text. Baselines in the same run: a ``str.find`` loop over the shipped
entries only, and one regex alternation over all terms. Texts are read from
KAKEHASHI_SHARED_DIR (default: ../shared next to the repository); missing ones are skipped.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time
import unicodedata
from collections.abc import Callable
from functools import partial
from pathlib import Path

from glossaries import Entry, Matcher, shipped_glossaries

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KAKEHASHI_SHARED_DIR", REPO.parent / "shared"))
KATAKANA = [chr(c) for c in range(0x30A2, 0x30F3)] + ["ー"]
KANJI = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def synthetic(count: int, seed: int = 1) -> list[Entry]:
    rng = random.Random(seed)
    entries: dict[str, Entry] = {}
    while len(entries) < count:
        if rng.random() < 0.5:
            source = rng.choice(KATAKANA[:-1]) + "".join(rng.choices(KATAKANA, k=rng.randint(2, 7)))
        else:
            source = "".join(rng.choices(KANJI, k=rng.randint(2, 5)))
        entries.setdefault(source, Entry(source, {"en": f"term {len(entries)}"}))
    return list(entries.values())


def timed(function: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def naive_find(entries: list[Entry], text: str) -> int:
    """Count occurrences of every surface with str.find (overlapping, no boundaries)."""
    found = 0
    for entry in entries:
        for surface in entry.surfaces():
            start = text.find(surface)
            while start != -1:
                found += 1
                start = text.find(surface, start + len(surface))
    return found


def count_matches(matcher: Matcher, text: str) -> int:
    return len(matcher.find(text))


def count_regex(pattern: re.Pattern[str], text: str) -> int:
    """Count leftmost-first, non-overlapping regex matches (no script boundaries)."""
    return sum(1 for _ in pattern.finditer(text))


def texts(repeat: int) -> list[tuple[str, str, int]]:
    """(label, NFKC text, sentence count) for each available corpus."""
    found: list[tuple[str, str, int]] = []
    sample = SHARED / "samples" / "moscow-delay-tactics.ja.txt"
    if sample.is_file():
        body = unicodedata.normalize("NFKC", sample.read_text("utf-8")) * repeat
        found.append((f"sample x{repeat}", body, body.count("。")))
    else:
        print(f"skip: sample article not found at {sample}")
    wmt = SHARED / "eval" / "wmt21-news-jaen" / "newstest2021.ja-en.src.ja"
    if wmt.is_file():
        lines = unicodedata.normalize("NFKC", wmt.read_text("utf-8")).splitlines()
        found.append(("WMT21 src.ja", "\n".join(lines), len(lines)))
    else:
        print(f"skip: WMT21 source not found at {wmt}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=100, help="sample article copies")
    parser.add_argument("--no-regex", action="store_true", help="skip the regex baseline")
    args = parser.parse_args()

    shipped = [e for g in shipped_glossaries() for e in g.entries]
    big = shipped + synthetic(args.entries)
    print(f"glossary: {len(big):,} entries ({len(shipped)} shipped + {args.entries:,} synthetic)")

    build_big, matcher = timed(lambda: Matcher(big))
    build_small, small = timed(lambda: Matcher(shipped))
    assert isinstance(matcher, Matcher) and isinstance(small, Matcher)
    print(f"build Matcher({len(big):,}): {build_big:.2f} s", end="; ")
    print(f"Matcher(shipped): {build_small * 1e3:.1f} ms")
    regex: re.Pattern[str] | None = None
    if not args.no_regex:
        terms = sorted({s for e in big for s in e.surfaces()}, key=len, reverse=True)
        build_regex, compiled = timed(lambda: re.compile("|".join(map(re.escape, terms))))
        assert isinstance(compiled, re.Pattern)
        regex = compiled
        print(f"build regex alternation ({len(terms):,} terms): {build_regex:.2f} s")

    rows: list[tuple[str, str, float, int, int, int]] = []
    for label, text, sentences in texts(args.repeat):
        runs: list[tuple[str, Callable[[], int]]] = [
            (f"Matcher {len(big):,}", partial(count_matches, matcher, text)),
            ("Matcher shipped", partial(count_matches, small, text)),
            ("str.find shipped", partial(naive_find, shipped, text)),
        ]
        if regex is not None:
            runs.append((f"regex {len(big):,}", partial(count_regex, regex, text)))
        for name, run in runs:
            seconds, hits = timed(run, repeat=3)
            assert isinstance(hits, int)
            rows.append((label, name, seconds, len(text), sentences, hits))

    print()
    print(
        f"{'text':<15} {'method':<18} {'chars':>10} {'time s':>8} {'Mchars/s':>9} "
        f"{'sent/s':>10} {'hits':>7}"
    )
    for label, name, seconds, chars, sentences, hits in rows:
        print(
            f"{label:<15} {name:<18} {chars:>10,} {seconds:>8.3f} {chars / seconds / 1e6:>9.2f} "
            f"{sentences / seconds:>10,.0f} {hits:>7,}"
        )


if __name__ == "__main__":
    main()
