"""/v1/deliveries: the log of notices sent to the review desk's and the CMS's URLs (admin), and
re-sending dead letters (notices that used up their attempts: state `failed`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from service.errors import Conflict, NotFound
from service.jobs import notices
from service.schemas import DeliveryOut, ResendOut
from service.store.tables import Delivery, utcnow
from service.web.deps import Admin, SessionDep

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])


@router.get("", response_model=list[DeliveryOut])
def list_deliveries(
    session: SessionDep,
    _: Admin,
    state: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    target: Annotated[Literal["review", "cms", "partner", "hub"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """Notices, newest first: what was sent where, how often, the last answer or error."""
    return [
        DeliveryOut.model_validate(row, from_attributes=True)
        for row in notices.listing(session, state=state, target=target, limit=limit)
    ]


@router.post(
    "/resend",
    status_code=202,
    response_model=ResendOut,
)
def resend_dead_letters(session: SessionDep, _: Admin) -> ResendOut:
    """Send every dead letter (state `failed`) again, from its first attempt."""
    resent = notices.resend(session, None, utcnow())
    return ResendOut(resent=resent)


@router.post(
    "/{delivery_id}/resend",
    status_code=202,
    response_model=ResendOut,
    responses={404: {"description": "no such notice"}, 409: {"description": "still pending"}},
)
def resend_one(
    session: SessionDep,
    _: Admin,
    delivery_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> ResendOut:
    """Send one notice again (a dead letter, or a delivered one its receiver lost)."""
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise NotFound(f"no notice {delivery_id}")
    if row.state == notices.PENDING:
        raise Conflict(f"notice {delivery_id} is still pending: it is being tried", code="pending")
    resent = notices.resend(session, [delivery_id], utcnow())
    return ResendOut(resent=resent)
