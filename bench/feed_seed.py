"""Seeding for the feed benches through the store's own write path, and the checks that make a
bench refuse to report a figure measured on the wrong workload.

`write_path` stores each article and its translation exactly as the service does: the
article through `service.articles.ingest.create` (as `POST /v1/articles`), the translation
through the worker's own steps (`service.jobs.translate_job._store`: `record_translation`,
then `reviews.publish` when it needs no review, so default partners see it in
`published_translations`). 100k articles that way would
take many minutes, so `bulk` copies the rows the write path wrote for a sample, many times over,
with Core bulk inserts; `same_shape` proves the copies look like the write path's rows (the
same columns filled, a published snapshot for every clean translation).

The issue-18 finding this answers: the benches used to write translations without their
`published_translations` rows, so a default partner's feed was empty (346 bytes) and every
figure was measured on nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from service.articles import ingest
from service.jobs.translate_job import DONE, StoredText, record_translation
from service.review import desk as reviews
from service.schemas import ArticleContent
from service.store import db
from service.store.tables import (
    Article,
    ArticleCategory,
    Job,
    PublishedTranslation,
    Revision,
    Translation,
)

CATEGORIES = ("security", "politics", "economy", "science", "sports", "culture", "world", "tech")
START = datetime(2024, 1, 1, tzinfo=UTC)
BODY_JA = "政府は本日、サイバー攻撃への対処方針を改定した。" * 6
BODY_EN = (
    "The government revised its policy on responding to cyberattacks today, "
    "citing the growing threat of ransomware against hospitals and ports. "
) * 3


def article_id(n: int) -> str:
    return f"a{n:07d}"


def when(n: int) -> datetime:
    return START + timedelta(minutes=n)


def write_one(session: Session, n: int, lang: str, *, needs_review: bool = False) -> None:
    """Article n and its translation into `lang`, through the service's own write path."""
    content = ArticleContent(
        title=f"サイバー攻撃への対処方針 第{n}報",
        body="\n\n".join([BODY_JA] * 4),
        url=f"https://news.example.jp/articles/{article_id(n)}",  # type: ignore[arg-type]
        published_at=when(n),
        categories=[CATEGORIES[n % len(CATEGORIES)], "news"],
        author="Bench Desk",
        summary="政府の新しい方針を解説する。",
    )
    made = ingest.create(session, article_id(n), content, (lang,))
    made.article.created_at = made.article.updated_at = when(n)
    session.flush()
    now = when(n) + timedelta(seconds=30)
    for job in made.jobs:  # as the worker's fence does
        session.execute(update(Job).where(Job.id == job.id).values(state=DONE, finished_at=now))
    record_translation(
        session,
        (lang,),
        StoredText(
            article_id=article_id(n),
            revision_id=made.revision.id,
            lang=lang,
            title=f"Government revises its cyberattack response policy, report {n}",
            summary="What the new policy means.",
            body="\n\n".join([BODY_EN] * 4),
            body_format="text",
            report={},
            needs_review=needs_review,
            route=["ja", lang],
            model="bench@1",
        ),
        now,
    )
    row = session.scalars(
        select(Translation).where(
            Translation.revision_id == made.revision.id, Translation.lang == lang
        )
    ).one()
    if row.current and not needs_review:  # as service.jobs.translate_job._store publishes it
        reviews.publish(session, row, made.revision.number, now=now)


def write_path(sessions: sessionmaker[Session], start: int, stop: int, lang: str) -> None:
    """Articles start..stop-1 through the write path; one in ten translations needs review."""
    with db.session_scope(sessions) as session:
        for n in range(start, stop):
            write_one(session, n, lang, needs_review=n % 10 == 3)


def _rows(engine: Engine, table: Any, where: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(select(table).where(where))]


@dataclass
class Template:
    """The rows the write path wrote for one clean and one flagged article (copied by `bulk`)."""

    rows: dict[str, dict[str, list[dict[str, Any]]]]


def template(engine: Engine, clean: int, flagged: int) -> Template:
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for kind, n in (("clean", clean), ("flagged", flagged)):
        aid = article_id(n)
        revisions = _rows(engine, Revision, Revision.article_id == aid)
        found[kind] = {
            "articles": _rows(engine, Article, Article.id == aid),
            "revisions": revisions,
            "categories": _rows(
                engine, ArticleCategory, ArticleCategory.revision_id == revisions[0]["id"]
            ),
            "translations": _rows(engine, Translation, Translation.article_id == aid),
            "published": _rows(
                engine, PublishedTranslation, PublishedTranslation.article_id == aid
            ),
        }
    return Template(found)


def bulk(engine: Engine, tmpl: Template, start: int, stop: int, batch: int = 5000) -> None:
    """Articles start..stop-1 as copies of the write path's rows (ids, dates, titles and one
    category per article changed); one in 50 retracted, as `ingest.retract` leaves it."""
    began = time.perf_counter()
    with engine.connect() as connection:
        next_revision = int(connection.scalar(select(func.max(Revision.id))) or 0) + 1
        next_translation = int(connection.scalar(select(func.max(Translation.id))) or 0) + 1
    for lo in range(start, stop, batch):
        out: dict[str, list[dict[str, Any]]] = {
            k: [] for k in ("articles", "revisions", "categories", "translations", "published")
        }
        for n in range(lo, min(stop, lo + batch)):
            kind = "flagged" if n % 10 == 3 else "clean"
            rows = tmpl.rows[kind]
            aid, at, category = article_id(n), when(n), CATEGORIES[n % len(CATEGORIES)]
            rid, tid = next_revision, next_translation
            next_revision += 1
            next_translation += 1
            retracted = n % 50 == 49
            out["articles"].append(
                {
                    **rows["articles"][0],
                    "id": aid,
                    "created_at": at,
                    "updated_at": at,
                    "status": "retracted" if retracted else "published",
                    "retracted_at": at if retracted else None,
                }
            )
            rev = rows["revisions"][0]
            out["revisions"].append(
                {
                    **rev,
                    "id": rid,
                    "article_id": aid,
                    "title": f"{rev['title']} ({n})",
                    "content_hash": f"{n:064d}",
                    "categories": [category, "news"],
                    "published_at": at,
                    "created_at": at,
                }
            )
            for c in (category, "news"):
                out["categories"].append({"revision_id": rid, "category": c})
            done = at + timedelta(seconds=30)
            tr = rows["translations"][0]
            out["translations"].append(
                {
                    **tr,
                    "id": tid,
                    "article_id": aid,
                    "revision_id": rid,
                    "title": f"Headline {n}",
                    "created_at": done,
                    "updated_at": done,
                }
            )
            if rows["published"] and not retracted:  # a retraction withdraws the snapshot
                pub = rows["published"][0]
                out["published"].append(
                    {
                        **pub,
                        "article_id": aid,
                        "translation_id": tid,
                        "title": f"Headline {n}",
                        "updated_at": done,
                        "published_at": done,
                    }
                )
        with engine.begin() as connection:
            connection.execute(insert(Article), out["articles"])
            connection.execute(insert(Revision), out["revisions"])
            connection.execute(insert(ArticleCategory), out["categories"])
            connection.execute(insert(Translation), out["translations"])
            if out["published"]:
                connection.execute(insert(PublishedTranslation), out["published"])
        done_rows = min(stop, lo + batch)
        if stop - start >= 200_000 and (done_rows - start) % 100_000 == 0:  # long seeds show life
            print(
                f"    bulk: {done_rows:,} articles ({time.perf_counter() - began:.0f} s)",
                flush=True,
            )
    if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
        with engine.begin() as connection:
            for table in ("revisions", "translations"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


def same_shape(engine: Engine, lang: str) -> dict[str, int]:
    """Counts that prove the store holds what the write path would have written: every clean
    current translation of a published article has its published snapshot, and none other.
    Raises when not."""
    with engine.connect() as connection:
        clean = connection.scalar(
            select(func.count())
            .select_from(Translation)
            .join(Article, Article.id == Translation.article_id)
            .where(
                Translation.lang == lang,
                Translation.current.is_(True),
                Translation.needs_review.is_(False),
                Article.status == "published",
            )
        )
        published = connection.scalar(
            select(func.count())
            .select_from(PublishedTranslation)
            .where(PublishedTranslation.lang == lang)
        )
        articles = connection.scalar(select(func.count()).select_from(Article))
    if not clean or clean != published:
        raise SystemExit(
            f"refusing to report: {clean} clean translations but {published} published "
            "snapshots: the seeding is not what the write path writes"
        )
    return {"articles": int(articles or 0), "published": int(published or 0)}


def items_of(body: bytes, fmt: str = "json") -> int:
    """How many items a rendered feed holds (JSON Feed; RSS/Atom by counting elements)."""
    if fmt == "json":
        return len(json.loads(body)["items"])
    tag = b"<item>" if fmt == "rss" else b"<entry>"
    return body.count(tag)


def require_page(what: str, body: bytes, wanted: int, fmt: str = "json") -> int:
    """The item count of a page; refuses (exits non-zero) when it is short or empty."""
    items = items_of(body, fmt)
    if items < wanted:
        raise SystemExit(
            f"refusing to report {what}: the page holds {items} items, not {wanted} "
            f"({len(body)} bytes): the workload is not what the figure claims"
        )
    return items
