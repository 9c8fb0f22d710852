"""The notices kakehashi POSTs (`service.notices`), described for the OpenAPI `webhooks` section.

OpenAPI 3.1 lists the requests a service *sends* under `webhooks`, apart from `paths`; a CMS or
review-desk developer reads there what arrives at their URL. FastAPI builds that section from
`app.webhooks`, so each notice is a route there whose body model is the notice's JSON.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import FastAPI, Header
from pydantic import BaseModel, ConfigDict, Field

SIGNATURE_HEADER = Annotated[
    str | None,
    Header(
        alias="X-Kakehashi-Signature",
        description="`t=<unix seconds>,v1=<hex>`: HMAC-SHA256 keyed with KAKEHASHI_NOTICE_SECRET "
        "over `POST`, the URL's path and the body (absent when no secret is set)",
    ),
]


class _Notice(BaseModel):
    # Receivers must accept fields added later (the payload is a JSON object, not a closed set).
    model_config = ConfigDict(extra="allow")

    delivery_id: int = Field(description="the same on every retry: de-duplicate on it")
    target: Literal["cms", "review"] = Field(description="which configured URL this went to")
    article_id: str
    lang: str = Field(description="the translation's language")
    revision: int = Field(description="the article revision the translation is of")
    at: str = Field(description="when the notice was written (ISO 8601, UTC)")


class NeedsReviewNotice(_Notice):
    event: Literal["needs_review"]
    reasons: list[str] = Field(description="why the translation waits for an editor")


class DoneNotice(_Notice):
    event: Literal["done"]
    reasons: list[str] = Field(default=[], description="empty: nothing needed review")
    approved_by: str | None = Field(default=None, description="set when an editor approved")


class FailedNotice(_Notice):
    event: Literal["failed"]
    error: str = Field(description="the job's error, at most 500 characters")
    job_id: str


def install_webhooks(app: FastAPI) -> None:
    """Declare the three notices on `app.webhooks` (never served: documentation only)."""

    @app.webhooks.post(
        "needs_review",
        summary="A translation waits for review (to the review desk's and the CMS's URL)",
        tags=["notices"],
    )
    def needs_review(body: NeedsReviewNotice, signature: SIGNATURE_HEADER = None) -> None:
        """Sent to KAKEHASHI_REVIEW_WEBHOOK_URL and KAKEHASHI_CMS_WEBHOOK_URL; any 2xx answer
        counts as delivered, anything else is retried with exponential backoff."""

    @app.webhooks.post(
        "done", summary="A translation is published (to the CMS's URL)", tags=["notices"]
    )
    def done(body: DoneNotice, signature: SIGNATURE_HEADER = None) -> None:
        """Sent to KAKEHASHI_CMS_WEBHOOK_URL when a translation needed no review or an editor
        approved it; any 2xx answer counts as delivered."""

    @app.webhooks.post(
        "failed", summary="A translation job failed (to the CMS's URL)", tags=["notices"]
    )
    def failed(body: FailedNotice, signature: SIGNATURE_HEADER = None) -> None:
        """Sent to KAKEHASHI_CMS_WEBHOOK_URL when a job gave up; any 2xx answer counts as
        delivered."""
