"""The ad-hoc translation endpoint's request (`POST /v1/translate`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from service.schemas._fields import GlossaryName, LanguageCode, Storable


class TranslateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=200_000), Storable]
    source: LanguageCode = Field(default="ja", alias="from")
    target: LanguageCode = Field(alias="to")
    glossary: bool = True
    glossaries: Annotated[list[GlossaryName], Field(max_length=20)] | None = None
    compare: bool = False
