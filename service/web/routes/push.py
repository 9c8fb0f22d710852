"""/v1/push: a partner key's callback URL (push of every change it may read, in ninjs) and
its delivery log. The partner manages its own key; an admin names one with `?key=`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from service.access.api_keys import Principal
from service.errors import Invalid, NotFound
from service.schemas import DeliveryOut
from service.store.tables import PartnerCallback
from service.syndication import push
from service.web.deps import Partner, RuntimeDep, SessionDep

router = APIRouter(prefix="/v1/push", tags=["push"])
KeyParam = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="admin only: the partner key's id")
]


class CallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000, description="HTTPS URL notices are sent to")


class CallbackOut(BaseModel):
    key_id: int
    url: str
    created_at: datetime
    secret: str | None = Field(
        default=None, description="signs every notice (HMAC); shown once, when registered"
    )


def _key(principal: Principal, key: int | None) -> int:
    if principal.role == "admin":
        if key is None:
            raise Invalid("an admin names the partner key with ?key=", code="key_needed")
        return key
    if key is not None and key != principal.key_id:
        raise NotFound(f"no key {key} for this token")  # a partner sees only its own
    return principal.key_id


@router.put(
    "",
    response_model=CallbackOut,
    responses={
        404: {"description": "no such live key for this token"},
        422: {"description": "a refused URL"},
    },
)
def register(
    body: CallbackIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Partner,
    key: KeyParam = None,
) -> CallbackOut:
    """Register (or replace) the key's callback; the answer carries its new signing secret."""
    key_id = _key(principal, key)
    secret = push.register(session, runtime.settings, key_id, body.url)
    row = session.get(PartnerCallback, key_id)
    assert row is not None
    return CallbackOut(key_id=key_id, url=row.url, created_at=row.created_at, secret=secret)


@router.get(
    "",
    response_model=CallbackOut,
    responses={404: {"description": "no such key for this token, or no callback"}},
)
def show(session: SessionDep, principal: Partner, key: KeyParam = None) -> CallbackOut:
    key_id = _key(principal, key)
    row = session.get(PartnerCallback, key_id)
    if row is None:
        raise NotFound("this key has no callback")
    return CallbackOut(key_id=key_id, url=row.url, created_at=row.created_at)


@router.delete(
    "",
    status_code=204,
    response_class=Response,
    responses={404: {"description": "no such key for this token, or no callback"}},
)
def remove(session: SessionDep, principal: Partner, key: KeyParam = None) -> Response:
    push.unregister(session, _key(principal, key))
    return Response(status_code=204)


@router.get(
    "/deliveries",
    response_model=list[DeliveryOut],
    responses={404: {"description": "no such key for this token, or no callback"}},
)
def log(
    session: SessionDep,
    principal: Partner,
    key: KeyParam = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """The key's own notices, newest first: what was sent, how often, the last answer."""
    return [
        DeliveryOut.model_validate(row, from_attributes=True)
        for row in push.deliveries(session, _key(principal, key), limit)
    ]
