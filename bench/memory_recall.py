"""What the translation memory costs a job: `DatabaseMemory.recall` for one article's sentences
against memories of 0, 1k, 10k and 100k entries (SQLite in a temporary file, seeded directly
through `memory_store.remember`'s table in bulk), beside the same article's translation on the
tiny real engine without memory (the baseline, same run).

Usage: .venv/bin/python bench/memory_recall.py [--sentences 30] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from service.review.memory import DatabaseMemory, source_hash, terms_key
from service.store import db
from service.store.tables import MemoryRow, utcnow
from translators.ctranslate import CTranslate2Engine
from translators.package import install
from translators.pipeline import translate_texts
from translators.toymodel import build_package


def _sentences(n: int) -> list[str]:
    return [f"記事の第{i}文は会談について述べている。" for i in range(n)]


def _seed(sessions: object, first: int, stop: int) -> None:
    now = utcnow()
    rows = [
        {
            "lang": "en",
            "source_hash": source_hash(f"過去の文{i}。"),
            "source": f"過去の文{i}。",
            "terms": [],
            "terms_key": terms_key(()),
            "translation": f"Old sentence {i}.",
            "stale": False,
            "created_by": "bench",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(first, stop)
    ]
    with db.session_scope(sessions) as session:  # type: ignore[arg-type]
        for start in range(0, len(rows), 10_000):
            session.execute(insert(MemoryRow), rows[start : start + 10_000])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    sentences = _sentences(args.sentences)
    queries = [(s, ()) for s in sentences]
    with tempfile.TemporaryDirectory() as tmp:
        engine = CTranslate2Engine(install(build_package(Path(tmp) / "pkg"), Path(tmp) / "m"))
        text = "".join(sentences)
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            translate_texts([text], engine=engine)
            timings.append(time.perf_counter() - start)
        baseline = statistics.median(timings)
        print(
            f"baseline: {args.sentences} sentences on the tiny engine, no memory: "
            f"{baseline * 1000:.1f} ms"
        )
        seeded = 0
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        store = db.make_engine(url)
        db.migrate(store)
        sessions = db.make_sessionmaker(store)
        memory = DatabaseMemory(sessions)
        for size in (0, 1_000, 10_000, 100_000):
            _seed(sessions, seeded, size)
            seeded = size
            runs = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                memory.recall("en", queries)
                runs.append(time.perf_counter() - start)
            took = statistics.median(runs)
            print(
                f"recall of {args.sentences} sentences, {size:>7,} entries: "
                f"{took * 1000:6.2f} ms ({took / baseline:.3f} x the baseline translation)"
            )
        store.dispose()


if __name__ == "__main__":
    main()
