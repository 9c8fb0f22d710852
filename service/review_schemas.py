"""Request and response models of the review desk's own endpoints (facets, reject,
re-translate); the queue item and approval models stay in service.schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReviewFacetsOut(BaseModel):
    """The filter choices of the queue, each with how many translations await review."""

    total: int
    langs: dict[str, int]
    reasons: dict[str, int]
    categories: dict[str, int]


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)


class RetranslateOut(BaseModel):
    jobs: list[str]
