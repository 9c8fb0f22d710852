"""What the health and readiness probes answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class HealthOut(BaseModel):
    status: Literal["ok", "failing"]
    problems: list[str] = Field(
        default_factory=list, description="why the process cannot do its job (503)"
    )


class ReadyOut(BaseModel):
    ready: bool
    database: dict[str, Any]
    redis: dict[str, Any]
    models: dict[str, Any]
