"""The review desk's queue with 10,000 translations waiting: a page, filtered and deep, in SQL.

Usage: .venv/bin/python bench/review_queue.py [--waiting 10000] [--repeat 15]
With KAKEHASHI_DATABASE_URL set (a PostgreSQL URL whose role may CREATEDB) the same run
repeats on a fresh PostgreSQL database, dropped afterwards.

Seeding goes straight into the store with SQLAlchemy Core bulk inserts (as bench/feed_scale.py
does): twice --waiting articles, each with one revision and its English translation carrying
a 12-sentence report; every other translation needs review (so --waiting wait), with reasons
spread so that one reason is rare (1 in 100 waiting) and one common, over 8 categories. The
bulk insert bypasses the ORM flush hook that keeps `review_queue` / `review_tags` in step, so
the seeding writes those rows the way the hook does (service.review_queue.sync).

Measured, median of --repeat runs after one warm-up, one 20-item page as GET /v1/reviews
builds it (service.review_queue.page in a session): the first page, a language, a common and
a rare reason, a category, a page 50 pages deep through the cursor, and the facet counts;
and, as the in-run baseline, the rare-reason page as the queue did it before (rows streamed in
date order and filtered in Python).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from feed_scale import fresh_database
from sqlalchemy import Engine, insert, select, text

from service import db, review_queue
from service.revisions import IS_CURRENT
from service.tables import (
    Article,
    ReviewQueueRow,
    ReviewTagRow,
    Revision,
    Translation,
)

CATEGORIES = ("security", "politics", "economy", "science", "sports", "culture", "world", "tech")
BATCH = 2000
START = datetime(2025, 1, 1, tzinfo=UTC)


def _reasons(n: int) -> list[str]:
    if n % 100 == 7:
        return ["untranslated"]  # the rare one
    return ["too-many-flags:number-mismatch"] if n % 3 else ["term-missing"]


def _report(n: int, reasons: list[str]) -> dict[str, Any]:
    segments = [
        {
            "paragraph": k,
            "source": f"これは記事{n}の{k}番目の文です。",
            "translation": f"This is sentence {k} of article {n}.",
            "flags": ["number-mismatch"] if k == 3 and reasons else [],
            "strategy": "",
            "terms": [],
        }
        for k in range(10)
    ]
    head = {"segments": [{**segments[0], "paragraph": 0}], "text": "", "route": ["ja", "en"]}
    return {
        "title": head,
        "summary": {"segments": [], "text": "", "route": ["ja", "en"]},
        "body": {"segments": segments, "text": "", "route": ["ja", "en"]},
        "review_reasons": reasons,
    }


def seed(engine: Engine, total: int) -> None:
    for lo in range(0, total, BATCH):
        rows: dict[str, list[dict[str, Any]]] = {"a": [], "r": [], "t": [], "q": [], "g": []}
        for n in range(lo, min(total, lo + BATCH)):
            article_id = f"q{n:07d}"
            when = START + timedelta(minutes=n)
            waiting = n % 2 == 0
            reasons = _reasons(n // 2) if waiting else []
            category = CATEGORIES[n % len(CATEGORIES)]
            rows["a"].append(
                {
                    "id": article_id,
                    "status": "published",
                    "current_revision": 1,
                    "created_at": when,
                    "updated_at": when,
                }
            )
            rows["r"].append(
                {
                    "id": n + 1,
                    "article_id": article_id,
                    "number": 1,
                    "content_hash": f"{n:064d}",
                    "title": f"見出し {n}",
                    "body": "本文。" * 100,
                    "format": "text",
                    "url": f"https://news.example.jp/{article_id}",
                    "author": "bench",
                    "categories": [category],
                    "published_at": when,
                    "created_at": when,
                }
            )
            rows["t"].append(
                {
                    "id": n + 1,
                    "article_id": article_id,
                    "revision_id": n + 1,
                    "lang": "en",
                    "title": f"Headline {n}",
                    "body": "\n\n".join(f"This is sentence {k} of article {n}." for k in range(10)),
                    "format": "text",
                    "report": _report(n, reasons),
                    "needs_review": waiting,
                    "route": ["ja", "en"],
                    "model": "bench@1",
                    "created_at": when,
                    "updated_at": when,
                    "current": True,
                }
            )
            if waiting:  # what service.review_queue.sync writes for it
                rows["q"].append(
                    {
                        "translation_id": n + 1,
                        "article_id": article_id,
                        "lang": "en",
                        "updated_at": when,
                    }
                )
                tags = {f"reason:{r}" for r in reasons} | {f"category:{category}"}
                rows["g"] += [{"tag": tag, "translation_id": n + 1} for tag in sorted(tags)]
        with engine.begin() as connection:
            connection.execute(insert(Article), rows["a"])
            connection.execute(insert(Revision), rows["r"])
            connection.execute(insert(Translation), rows["t"])
            connection.execute(insert(ReviewQueueRow), rows["q"])
            connection.execute(insert(ReviewTagRow), rows["g"])
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    work()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def _before(sessions: Any, reason: str, limit: int = 20) -> int:
    """The queue as it was: every waiting translation streamed in date order, filtered here."""
    with db.session_scope(sessions) as session:
        stmt = (
            select(Translation, Revision)
            .join(Revision, Revision.id == Translation.revision_id)
            .join(Article, Article.id == Translation.article_id)
            .where(IS_CURRENT, Article.status == "published", Translation.needs_review.is_(True))
            .order_by(Translation.updated_at, Translation.id)
        )
        found = 0
        for t, _ in session.execute(stmt):
            if reason in t.report.get("review_reasons", []):
                found += 1
                if found > limit:
                    break
        return found


def measure(engine: Engine, repeat: int) -> dict[str, float]:
    sessions = db.make_sessionmaker(engine)
    Filters = review_queue.Filters

    def page(filters: review_queue.Filters, pages: int = 0) -> Callable[[], int]:
        def run() -> int:
            cursor = None
            with db.session_scope(sessions) as session:
                for _ in range(pages + 1):
                    got = review_queue.page(session, filters, cursor=cursor, limit=20)
                    cursor = got.next_cursor
            return len(got.items)

        return run

    def facets() -> int:
        with db.session_scope(sessions) as session:
            return review_queue.facets(session).total

    with db.session_scope(sessions) as session:  # a cursor 50 pages down, taken once
        cursor = None
        for _ in range(50):
            cursor = review_queue.page(session, Filters(), cursor=cursor, limit=20).next_cursor

    def deep() -> int:
        with db.session_scope(sessions) as session:
            return len(review_queue.page(session, Filters(), cursor=cursor, limit=20).items)

    return {
        "first page": _median_ms(page(Filters()), repeat),
        "lang=en": _median_ms(page(Filters(lang="en")), repeat),
        "common reason": _median_ms(page(Filters(reason="term-missing")), repeat),
        "rare reason": _median_ms(page(Filters(reason="untranslated")), repeat),
        "category": _median_ms(page(Filters(category="science")), repeat),
        "50 pages deep": _median_ms(deep, repeat),
        "facets": _median_ms(facets, repeat),
        "rare, before": _median_ms(lambda: _before(sessions, "untranslated"), max(3, repeat // 5)),
    }


def run(kind: str, waiting: int, repeat: int) -> None:
    with fresh_database(kind) as url:
        engine = db.make_engine(url)
        db.migrate(engine)
        began = time.perf_counter()
        seed(engine, waiting * 2)
        seeded = time.perf_counter() - began
        figures = measure(engine, repeat)
        print(
            f"\n{kind}: {waiting} waiting of {waiting * 2} translations (seeded in {seeded:.1f} s)"
        )
        print("median time of one 20-item page of GET /v1/reviews, ms")
        for name, ms in figures.items():
            print(f"  {name:>14}: {ms:8.1f}")
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    run("sqlite", args.waiting, args.repeat)
    if os.environ.get("KAKEHASHI_DATABASE_URL", "").startswith("postgresql"):
        run("postgresql", args.waiting, args.repeat)
    else:
        print("\n(KAKEHASHI_DATABASE_URL is not a PostgreSQL URL: PostgreSQL not measured)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
