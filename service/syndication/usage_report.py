"""The usage report: daily rows per key and language between two days, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.tables import ApiKey, UsageDaily

COLUMNS = (
    "day",
    "key_id",
    "key",
    "lang",
    "fetches",
    "not_modified",
    "items_delivered",
    "page_views",
)


class UsageRow(BaseModel):
    day: date
    key_id: int
    key: str
    lang: str
    fetches: int
    not_modified: int
    items_delivered: int
    page_views: int


def report(session: Session, start: date, end: date, key_id: int | None) -> list[UsageRow]:
    """Every day from `start` to `end` (both included) with usage, of one key or all."""
    stmt = (
        select(UsageDaily, ApiKey.name)
        .join(ApiKey, ApiKey.id == UsageDaily.key_id)
        .where(UsageDaily.day >= start, UsageDaily.day <= end)
        .order_by(UsageDaily.day, UsageDaily.key_id, UsageDaily.lang)
    )
    if key_id is not None:
        stmt = stmt.where(UsageDaily.key_id == key_id)
    return [
        UsageRow(
            day=row.day,
            key_id=row.key_id,
            key=name,
            lang=row.lang,
            fetches=row.fetches,
            not_modified=row.not_modified,
            items_delivered=row.items_delivered,
            page_views=row.page_views,
        )
        for row, name in session.execute(stmt).tuples()
    ]


def to_csv(rows: list[UsageRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        data = row.model_dump(mode="json")
        writer.writerow([data[c] for c in COLUMNS])
    return out.getvalue()
