"""Cache-miss cost of a 50-item feed page as the archive grows: 1k, 10k and 100k articles.

Usage: .venv/bin/python bench/feed_scale.py [--sizes 1000,10000,100000] [--repeat 15]
With KAKEHASHI_DATABASE_URL set (a PostgreSQL URL whose role may CREATEDB) the same run
repeats on a fresh PostgreSQL database, dropped afterwards.

Seeding goes straight into the store, not through the API (100k articles through the worker
would take hours): a fresh database is migrated with Alembic, then articles, revisions, their
`article_categories` rows and the current English translation of each are written with
SQLAlchemy Core bulk inserts (`connection.execute(table.insert(), [rows...])`, 5,000 rows a
statement batch, one transaction per batch). Rows look like the service's own: a ~1 KB body,
one of 8 categories, one in 10 translations flagged for review, one in 50 articles retracted.
The archive grows in place (1k, then 9k more, then 90k more), each size measured in turn.

Measured per size, median of --repeat runs after one warm-up: exactly what a cache miss of
`GET /feeds/en.json` does (`feed_query.build_feed` in a session, then `feeds.render`), for
  - the first page (a partner key without review access),
  - a page 40 pages deep through the `before` cursor,
  - a category page (`?category=`) and a page for a key scoped to two sections,
  - the `ja` feed of originals,
and, as the in-run baseline, rendering the same 50 items without the database (the part of
a miss that cannot depend on the archive). Target: under 50 ms at 100k on both databases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

import feeds
from service import db, feed_query
from service.api_keys import Principal
from service.page_links import LinkSigner
from service.settings import Settings
from service.tables import Article, ArticleCategory, Revision, Translation

CATEGORIES = ("security", "politics", "economy", "science", "sports", "culture", "world", "tech")
BATCH = 5000
START = datetime(2024, 1, 1, tzinfo=UTC)
BODY = "\n\n".join(f"Paragraph {n} of a translated news article, " * 6 for n in range(6))


def _partner(**overrides: object) -> Principal:
    fields: dict[str, object] = {
        "key_id": 1,
        "name": "bench",
        "role": "partner",
        "languages": None,
        "sections": None,
        "include_needs_review": False,
    }
    fields.update(overrides)
    return Principal(**fields)  # type: ignore[arg-type]


def seed(engine: Engine, start: int, stop: int) -> None:
    """Articles start..stop-1 (ids zero-padded), each with one revision, its categories and its
    current English translation, in batches of BATCH rows."""
    for lo in range(start, stop, BATCH):
        hi = min(stop, lo + BATCH)
        articles, revisions, categories, translations = [], [], [], []
        for n in range(lo, hi):
            article_id = f"a{n:07d}"
            when = START + timedelta(minutes=n)
            retracted = n % 50 == 49
            category = CATEGORIES[n % len(CATEGORIES)]
            articles.append(
                {
                    "id": article_id,
                    "status": "retracted" if retracted else "published",
                    "current_revision": 1,
                    "created_at": when,
                    "updated_at": when,
                    "retracted_at": when if retracted else None,
                }
            )
            revisions.append(
                {
                    "id": n + 1,
                    "article_id": article_id,
                    "number": 1,
                    "content_hash": f"{n:064d}",
                    "title": f"見出し {n}",
                    "body": "本文。" * 300,
                    "format": "text",
                    "summary": None,
                    "url": f"https://news.example.jp/{article_id}",
                    "author": "bench",
                    "categories": [category],
                    "published_at": when,
                    "created_at": when,
                }
            )
            categories.append({"revision_id": n + 1, "category": category})
            translations.append(
                {
                    "article_id": article_id,
                    "revision_id": n + 1,
                    "lang": "en",
                    "title": f"Headline {n}",
                    "summary": None,
                    "body": BODY,
                    "format": "text",
                    "report": {},
                    "needs_review": n % 10 == 3,
                    "route": ["ja", "en"],
                    "model": "bench@1",
                    "created_at": when,
                    "updated_at": when + timedelta(seconds=30),
                    "current": True,
                    "text_hash": None,
                }
            )
        with engine.begin() as connection:
            connection.execute(insert(Article), articles)
            connection.execute(insert(Revision), revisions)
            connection.execute(insert(ArticleCategory), categories)
            connection.execute(insert(Translation), translations)
    with engine.begin() as connection:  # fresh statistics, as autovacuum / a DBA would keep
        connection.execute(text("ANALYZE"))


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    work()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def measure(engine: Engine, settings: Settings, size: int, repeat: int) -> dict[str, float]:
    sessions = db.make_sessionmaker(engine)
    partner = _partner()
    links = LinkSigner(b"bench", settings.public_url, partner.key_id)

    def miss(principal: Principal, **query: object) -> Callable[[], bytes]:
        fields: dict[str, object] = {"lang": "en", "fmt": "json", "category": None, "limit": 50}
        fields["before"] = None
        fields.update(query)
        q = feed_query.FeedQuery(**fields)  # type: ignore[arg-type]

        def run() -> bytes:
            with db.session_scope(sessions) as session:
                feed = feed_query.build_feed(session, settings, principal, q, links)
            return feeds.render(feed, q.fmt)

        return run

    with db.session_scope(sessions) as session:
        feed = feed_query.build_feed(
            session, settings, partner, feed_query.FeedQuery("en", "json", None, 50, None), links
        )
    # A cursor about 40 pages down (50 items a page, ~12% of rows hidden or retracted).
    n = max(size - 2300, size // 2)
    deep = (START + timedelta(minutes=n, seconds=30), f"a{n:07d}")
    return {
        "render only": _median_ms(lambda: feeds.render(feed, "json"), repeat),
        "first page": _median_ms(miss(partner), repeat),
        "40 pages deep": _median_ms(miss(partner, before=deep), repeat),
        "category": _median_ms(miss(partner, category="science"), repeat),
        "2 sections": _median_ms(miss(_partner(sections=("sports", "tech"))), repeat),
        "ja originals": _median_ms(miss(partner, lang="ja"), repeat),
    }


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    admin_url = os.environ["KAKEHASHI_DATABASE_URL"]
    name = f"kh_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(kind: str, sizes: list[int], repeat: int) -> None:
    with fresh_database(kind) as url:
        engine = db.make_engine(url)
        db.migrate(engine)
        settings = Settings(
            database_url=url,
            target_languages=("en",),
            _env_file=None,  # type: ignore[call-arg]
        )
        print(f"\n{kind}: median cache-miss time of a 50-item JSON Feed page, ms")
        columns = None
        have = 0
        for size in sizes:
            began = time.perf_counter()
            seed(engine, have, size)
            have = size
            seeded = time.perf_counter() - began
            figures = measure(engine, settings, size, repeat)
            if columns is None:
                columns = list(figures)
                print(f"{'articles':>9} | " + " | ".join(f"{c:>13}" for c in columns))
            print(
                f"{size:>9} | "
                + " | ".join(f"{figures[c]:>13.1f}" for c in columns)
                + f"   (seeded in {seeded:.1f} s)",
                flush=True,
            )
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    run("sqlite", sizes, args.repeat)
    if os.environ.get("KAKEHASHI_DATABASE_URL", "").startswith("postgresql"):
        run("postgresql", sizes, args.repeat)
    else:
        print("\n(KAKEHASHI_DATABASE_URL is not a PostgreSQL URL: PostgreSQL not measured)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
