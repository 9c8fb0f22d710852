"""API keys: created with a one-time token, stored as a SHA-256 hash, checked per request.

Tokens are 256 random bits, so a plain SHA-256 is enough (a slow password hash protects
low-entropy secrets; these have none to protect).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from glossaries import forbidden_character
from service.settings import LANGUAGE_PATTERN
from service.tables import ApiKey, utcnow

ROLES = ("publisher", "editor", "partner", "admin")
_LANGUAGE = re.compile(LANGUAGE_PATTERN)


class KeyProblem(ValueError):
    """A key operation that cannot be done; the message says why."""


@dataclass(frozen=True)
class Principal:
    key_id: int
    name: str
    role: str
    languages: tuple[str, ...] | None
    sections: tuple[str, ...] | None
    include_needs_review: bool

    def may_read_language(self, lang: str) -> bool:
        return self.role == "admin" or self.languages is None or lang in self.languages

    def may_read_section(self, section: str) -> bool:
        return self.role == "admin" or self.sections is None or section in self.sections


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(
    session: Session,
    *,
    name: str,
    role: str,
    languages: Sequence[str] | None = None,
    sections: Sequence[str] | None = None,
    include_needs_review: bool = False,
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the token, which is never stored or shown again."""
    if role not in ROLES:
        raise KeyProblem(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    name = name.strip()
    if not name or len(name) > 200:
        raise KeyProblem("a key needs a name of 1 to 200 characters")
    if forbidden_character(name):
        raise KeyProblem(f"the name holds {forbidden_character(name)}, a control character")
    languages = [lang.strip() for lang in languages or ()]
    for lang in languages:
        if not _LANGUAGE.match(lang):
            raise KeyProblem(f"{lang!r} is not a language code such as en or pt-BR")
    sections = [section.strip() for section in sections or ()]
    for section in sections:
        if not section or len(section) > 100 or forbidden_character(section):
            raise KeyProblem(
                f"{section!r} is not a section: 1 to 100 characters, no control characters"
            )
    token = f"kh_{role[:3]}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        name=name,
        role=role,
        token_hash=hash_token(token),
        token_prefix=token[:10],
        languages=list(languages) if languages else None,
        sections=list(sections) if sections else None,
        include_needs_review=include_needs_review,
    )
    session.add(row)
    session.flush()
    return row, token


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_key(session: Session, key_id: int) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise KeyProblem(f"no key with id {key_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def authenticate(session: Session, token: str) -> Principal | None:
    if not token or len(token) > 200:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.token_hash == hash_token(token))).first()
    return _principal(row)


def principal_by_id(session: Session, key_id: int) -> Principal | None:
    """The key a signed link was made for, while it is not revoked."""
    return _principal(session.get(ApiKey, key_id))


def _principal(row: ApiKey | None) -> Principal | None:
    if row is None or row.revoked_at is not None:
        return None
    return Principal(
        key_id=row.id,
        name=row.name,
        role=row.role,
        languages=tuple(row.languages) if row.languages else None,
        sections=tuple(row.sections) if row.sections else None,
        include_needs_review=row.include_needs_review,
    )
