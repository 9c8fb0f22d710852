"""Translation jobs and the notices sent to the CMS about them, as the operator lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class JobOut(BaseModel):
    id: str
    article_id: str
    revision: int
    lang: str
    state: str
    attempts: int
    error: str | None
    created_at: datetime
    updated_at: datetime
    enqueued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


class JobPage(BaseModel):
    """A page of jobs, newest change first; `next_before` fetches the next page."""

    items: list[JobOut]
    next_before: str | None = None


class DeliveryOut(BaseModel):
    id: int
    target: str
    url: str
    event: str
    article_id: str
    lang: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class ResendOut(BaseModel):
    resent: list[int] = Field(description="the notices queued to be sent again")
