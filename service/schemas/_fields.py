"""The constrained fields the API's models share: ids, names, language codes, text a
glossary may store, categories and ISO 8601 date-times."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from glossaries import forbidden_character
from service.settings import LANGUAGE_PATTERN

ARTICLE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$"
ArticleId = Annotated[str, StringConstraints(pattern=ARTICLE_ID_PATTERN)]
GLOSSARY_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,99}$"
ENTRY_ID_PATTERN = r"^[0-9a-f]{1,32}$"
GlossaryName = Annotated[str, StringConstraints(pattern=GLOSSARY_NAME_PATTERN)]
LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]


def _storable(value: str) -> str:
    """Refuse (422) text no glossary may hold: NUL and other control characters, bidi
    overrides. Refused, not stripped: an editor typed it and should see what was wrong."""
    found = forbidden_character(value)
    if found is not None:
        raise ValueError(f"holds {found}, a control or bidi-override character")
    return value


Storable = AfterValidator(_storable)


def iso_datetime(value: object) -> object:
    """Only an ISO 8601 string (or a datetime, from our own code): pydantic alone would also
    take 0 or "1700000000" as seconds since 1970, which no CMS means."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string with a UTC offset")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            "must be an ISO 8601 date-time with a UTC offset, e.g. 2026-01-27T06:00:00+09:00"
        ) from None


Category = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Storable
]
