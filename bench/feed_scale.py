"""Cache-miss cost of a 50-item feed page as the archive grows: 1k, 10k and 100k articles.

Usage: .venv/bin/python bench/feed_scale.py [--sizes 1000,10000,100000] [--repeat 15]
                                            [--stores sqlite,postgresql]
With KAKEHASHI_DATABASE_URL set (a PostgreSQL URL whose role may CREATEDB) the same run
repeats on a fresh PostgreSQL database, dropped afterwards. Issue 18's 1M-article figure:
  --stores postgresql --sizes 1000,100000,1000000 --repeat 9

Seeding (bench/feed_seed.py): the first articles go through the store's own write path (the
article as `POST /v1/articles` stores it, the translation as the worker stores and publishes
it, so default partners see it in `published_translations`); the rest are bulk copies of those
rows (SQLAlchemy Core, 5,000 rows a batch), checked to have the same shape: a published snapshot
for every clean translation. One translation in 10 needs review, one article in 50 is retracted.
The archive grows in place (1k, then 9k more, then 90k more), each size measured in turn.

Measured per size, median of --repeat runs after one warm-up: exactly what a cache miss of
`GET /feeds/en.json` does (`feed_query.build_feed` in a session, then `feeds.render`), for a
default partner (published snapshots) and a review key (`include_needs_review`), each on
  - the first page,
  - a page about 40 pages deep through the `before` cursor,
  - a page half-way down the archive (`half deep`: 10,000 pages deep at 1M),
  - a category page (`?category=`),
plus a key scoped to two sections and the `ja` feed of originals, and, as the in-run baseline,
rendering the same 50 items without the database. Every figure is printed with the page's
bytes and item count, and the bench refuses to report (exit 1) when a page is not full. The
query plans (EXPLAIN) of a default partner's first page are printed at the largest size.
Target: under 30 ms at 100k on both databases.
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
from datetime import timedelta
from pathlib import Path
from typing import Any

import feed_seed
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

import feeds
from service.access.api_keys import Principal
from service.settings import Settings
from service.store import db
from service.syndication import query as feed_query
from service.syndication.page_links import LinkSigner

WRITE_PATH = 500  # articles written through the write path before the bulk copies


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


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    work()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


Figure = tuple[float, int, int]  # median ms, bytes, items


def _links(settings: Settings, key_id: int) -> LinkSigner:
    return LinkSigner(b"bench", settings.public_url, key_id)


def measure(engine: Engine, settings: Settings, size: int, repeat: int) -> dict[str, Figure]:
    sessions = db.make_sessionmaker(engine)
    partner = _partner()
    links = _links(settings, partner.key_id)

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
    deep = (feed_seed.when(n) + timedelta(seconds=30), feed_seed.article_id(n))
    half = size // 2  # the deepest cursor a reader plausibly follows, far past any cache
    half_deep = (feed_seed.when(half) + timedelta(seconds=30), feed_seed.article_id(half))
    review = _partner(include_needs_review=True)
    cases: dict[str, Callable[[], bytes]] = {
        "render only": lambda: feeds.render(feed, "json"),
        "first page": miss(partner),
        "40 deep": miss(partner, before=deep),
        "half deep": miss(partner, before=half_deep),
        "category": miss(partner, category="science"),
        "review first": miss(review),
        "review deep": miss(review, before=deep),
        "review cat.": miss(review, category="science"),
        "2 sections": miss(_partner(sections=("sports", "tech"))),
        "ja originals": miss(partner, lang="ja"),
    }
    out: dict[str, Figure] = {}
    for name, work in cases.items():
        body = work()
        items = feed_seed.require_page(f"{name} at {size}", body, 50)
        out[name] = (_median_ms(work, repeat), len(body), items)
    return out


def explain(engine: Engine, settings: Settings, query: feed_query.FeedQuery) -> None:
    """EXPLAIN each statement a default partner's page runs (captured as it runs)."""
    sessions = db.make_sessionmaker(engine)
    partner = _partner()
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with db.session_scope(sessions) as session:
            feed_query.build_feed(session, settings, partner, query, _links(settings, 1))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    raw = engine.raw_connection()
    try:
        for statement, params in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor = raw.cursor()
            cursor.execute(prefix + statement, params)
            plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
            cursor.close()
            print("  " + " ".join(statement.split())[:150] + " ...")
            for line in plan:
                print("      " + line)
    finally:
        raw.close()


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


def _seed(engine: Engine, have: int, size: int) -> None:
    if have == 0:
        first = min(WRITE_PATH, size)
        feed_seed.write_path(db.make_sessionmaker(engine), 0, first, "en")
        have = first
    if size > have:
        feed_seed.bulk(engine, feed_seed.template(engine, 0, 3), have, size)
    with engine.begin() as connection:  # fresh statistics, as autovacuum / a DBA would keep
        connection.execute(text("ANALYZE"))


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
        columns: list[str] | None = None
        have = 0
        for size in sizes:
            began = time.perf_counter()
            _seed(engine, have, size)
            have = size
            seeded = time.perf_counter() - began
            counts = feed_seed.same_shape(engine, "en")
            figures = measure(engine, settings, size, repeat)
            if columns is None:
                columns = list(figures)
                print(f"{'articles':>9} | " + " | ".join(f"{c:>12}" for c in columns))
            print(
                f"{size:>9} | "
                + " | ".join(f"{figures[c][0]:>12.1f}" for c in columns)
                + f"   (seeded in {seeded:.1f} s; {counts['articles']} articles, "
                f"{counts['published']} published; load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
            print(
                f"{'bytes/items':>9} | "
                + " | ".join(f"{figures[c][1]:>9}/{figures[c][2]:<2}" for c in columns)
            )
        half = have // 2
        pages = {
            "first page": feed_query.FeedQuery("en", "json", None, 50, None),
            "category page": feed_query.FeedQuery("en", "json", "science", 50, None),
            "half-deep `before=` page": feed_query.FeedQuery(
                "en",
                "json",
                None,
                50,
                (feed_seed.when(half) + timedelta(seconds=30), feed_seed.article_id(half)),
            ),
        }
        for what, query in pages.items():
            print(f"{kind}: plans of a default partner's {what} at {have} articles")
            explain(engine, settings, query)
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--stores", default="sqlite,postgresql", help="which of the two to run")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    stores = args.stores.split(",")
    if unknown := set(stores) - {"sqlite", "postgresql"}:
        parser.error(f"unknown store(s): {', '.join(sorted(unknown))}")
    if "sqlite" in stores:
        run("sqlite", sizes, args.repeat)
    if "postgresql" not in stores:
        pass
    elif os.environ.get("KAKEHASHI_DATABASE_URL", "").startswith("postgresql"):
        run("postgresql", sizes, args.repeat)
    else:
        print("\n(KAKEHASHI_DATABASE_URL is not a PostgreSQL URL: PostgreSQL not measured)")
        if stores == ["postgresql"]:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
