"""/v1/deliveries: the log of notices sent to the review desk's and the CMS's URLs (admin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from service import notices
from service.deps import Admin, SessionDep
from service.schemas import DeliveryOut

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])


@router.get("", response_model=list[DeliveryOut])
def list_deliveries(
    session: SessionDep,
    _: Admin,
    state: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    target: Annotated[Literal["review", "cms"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """Notices, newest first: what was sent where, how often, the last answer or error."""
    return [
        DeliveryOut.model_validate(row, from_attributes=True)
        for row in notices.listing(session, state=state, target=target, limit=limit)
    ]
