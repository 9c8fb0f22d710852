"""Who a token is, as `GET /v1/whoami` answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class WhoAmIOut(BaseModel):
    """Who a token is: what the editor page and scripts check before offering anything."""

    name: str
    role: Literal["publisher", "editor", "partner", "admin"]
    languages: list[str] | None = Field(description="null: every language")
    sections: list[str] | None = Field(description="null: every section")
    include_needs_review: bool
    may_edit_glossaries: bool
