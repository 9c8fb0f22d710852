"""Domain errors reach HTTP through one table: every kind has its status."""

from __future__ import annotations

import pytest

from service import errors
from service.web.http_errors import headers_of, status_of


def _kinds(cls: type[errors.DomainError]) -> list[type[errors.DomainError]]:
    return [k for sub in cls.__subclasses__() for k in (sub, *_kinds(sub))]


@pytest.mark.parametrize("kind", _kinds(errors.DomainError), ids=lambda k: k.__name__)
def test_every_domain_error_has_a_4xx_status(kind: type[errors.DomainError]) -> None:
    if kind is errors.PreconditionFailed:
        exc: errors.DomainError = kind("stale", current='"e.2"')
    else:
        exc = kind("why")
    assert 400 <= status_of(exc) < 500


def test_statuses_codes_and_headers() -> None:
    assert status_of(errors.ModelMissing("no model")) == 409
    assert errors.ModelMissing("no model").code == "model_missing"
    assert status_of(errors.Conflict("x", code="exists")) == 409
    assert headers_of(errors.PreconditionFailed("stale", current='"e.2"')) == {"ETag": '"e.2"'}
    assert headers_of(errors.Unauthorized("who?")) == {"WWW-Authenticate": "Bearer"}
    assert headers_of(errors.Unauthorized("bad", code="bad_signature", challenge=None)) is None
    assert status_of(errors.DomainError("unclassified")) == 500
    assert headers_of(errors.TooManyRequests("slow down", 7)) == {"Retry-After": "7"}
