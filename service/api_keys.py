"""API keys: created with a one-time token, stored as a SHA-256 hash, checked per request.

Tokens are 256 random bits, so a plain SHA-256 is enough (a slow password hash protects
low-entropy secrets; these have none to protect).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
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
    languages, sections = _scope(languages, sections)
    token = _new_token(role)
    row = ApiKey(
        name=name,
        role=role,
        token_hash=hash_token(token),
        token_prefix=token[:10],
        languages=languages,
        sections=sections,
        include_needs_review=include_needs_review,
    )
    session.add(row)
    session.flush()
    return row, token


def _new_token(role: str) -> str:
    return f"kh_{role[:3]}_{secrets.token_urlsafe(32)}"


def _scope(
    languages: Sequence[str] | None, sections: Sequence[str] | None
) -> tuple[list[str] | None, list[str] | None]:
    """A partner's scope, checked: (languages, sections), None meaning all."""
    langs = [lang.strip() for lang in languages or ()]
    for lang in langs:
        if not _LANGUAGE.match(lang):
            raise KeyProblem(f"{lang!r} is not a language code such as en or pt-BR")
    secs = [section.strip() for section in sections or ()]
    for section in secs:
        if not section or len(section) > 100 or forbidden_character(section):
            raise KeyProblem(
                f"{section!r} is not a section: 1 to 100 characters, no control characters"
            )
    return langs or None, secs or None


def _live_key(session: Session, key_id: int) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise KeyProblem(f"no key with id {key_id}")
    if row.revoked_at is not None:
        raise KeyProblem(f"key {key_id} is revoked; create a new one")
    return row


def rotate_key(session: Session, key_id: int) -> tuple[ApiKey, str]:
    """A new token for the same key (id, name, role, scope, its signed links' identity); the
    old token stops working when this commits. Returns the row and the new token."""
    row = _live_key(session, key_id)
    token = _new_token(row.role)
    row.token_hash, row.token_prefix = hash_token(token), token[:10]
    return row, token


def rescope_key(
    session: Session,
    key_id: int,
    *,
    languages: Sequence[str] | None,
    sections: Sequence[str] | None,
    include_needs_review: bool,
) -> ApiKey:
    """Change what a partner key may read (None: every language or section)."""
    row = _live_key(session, key_id)
    if row.role != "partner":
        raise KeyProblem(f"key {key_id} is a {row.role} key; only partner keys have a scope")
    row.languages, row.sections = _scope(languages, sections)
    row.include_needs_review = include_needs_review
    return row


# A key's last use is written at most this often per process: it tells an operator whether a
# key is still in use (days, not seconds), and must not turn every read into a write. The
# process's memory of it is keyed by the token's hash, not the key's id: ids repeat across
# databases (a restored backup, each test's store) and a rotated key must be touched anew.
LAST_USE_RESOLUTION = timedelta(minutes=10)
_last_touched: dict[str, datetime] = {}
_touch_lock = threading.Lock()


def touch(session: Session, key_id: int, token_hash: str) -> None:
    """Record that a key was used now (coarsely: see LAST_USE_RESOLUTION)."""
    now = utcnow()
    with _touch_lock:
        seen = _last_touched.get(token_hash)
        if seen is not None and now - seen < LAST_USE_RESOLUTION:
            return
        _last_touched[token_hash] = now
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            (ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < now - LAST_USE_RESOLUTION),
        )
        .values(last_used_at=now)
    )


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
    principal = _principal(row)
    if principal is not None and row is not None:
        touch(session, principal.key_id, row.token_hash)
    return principal


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


def live_token_hashes(session: Session) -> frozenset[str]:
    """The token hashes of every key not revoked (see `service.auth_guard.KnownKeys`)."""
    return frozenset(session.scalars(select(ApiKey.token_hash).where(ApiKey.revoked_at.is_(None))))
