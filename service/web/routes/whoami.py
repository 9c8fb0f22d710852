"""/v1/whoami: who the request's token is (any valid key), so a client can check its role."""

from __future__ import annotations

from fastapi import APIRouter

from service.schemas import WhoAmIOut
from service.web.deps import AnyPrincipal

router = APIRouter(prefix="/v1/whoami", tags=["keys"])


@router.get("", response_model=WhoAmIOut)
def whoami(principal: AnyPrincipal) -> WhoAmIOut:
    return WhoAmIOut(
        name=principal.name,
        role=principal.role,  # type: ignore[arg-type]  # keys.ROLES holds exactly these
        languages=list(principal.languages) if principal.languages is not None else None,
        sections=list(principal.sections) if principal.sections is not None else None,
        include_needs_review=principal.include_needs_review,
        may_edit_glossaries=principal.role in ("editor", "admin"),
    )
