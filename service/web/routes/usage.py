"""/v1/usage: what each key took, per day and language, for licensing (JSON or CSV)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.errors import Malformed, NotFound
from service.store.db import session_scope
from service.syndication import usage_report
from service.syndication.usage_report import UsageRow
from service.web.deps import Partner, RuntimeDep

router = APIRouter(prefix="/v1/usage", tags=["usage"])
MAX_DAYS = 1000


@router.get(
    "",
    response_model=list[UsageRow],
    responses={
        200: {"content": {"text/csv": {}}},
        400: {"description": "`to` before `from`"},
        404: {"description": "a key other than the partner's own"},
    },
)
async def get_usage(
    request: Request,
    runtime: RuntimeDep,
    principal: Partner,
    start: Annotated[date, Query(alias="from", description="first UTC day (YYYY-MM-DD)")],
    end: Annotated[date, Query(alias="to", description="last UTC day, included")],
    key: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="one key (a partner: its own only)")
    ] = None,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
) -> Response:
    """Per key, day and language: feed fetches (200s and 304s), 304s, items delivered (first
    time each reached the key) and item page views. Admins: every key or `key`; a partner:
    its own. CSV with `format=csv` or `Accept: text/csv`."""
    if end < start or (end - start).days > MAX_DAYS:
        raise Malformed(f"`to` must be on or after `from`, at most {MAX_DAYS} days later")
    if principal.role != "admin":
        if key is not None and key != principal.key_id:
            raise NotFound(f"no key {key} for this token")
        key = principal.key_id
    rows = await run_in_threadpool(_rows, runtime, start, end, key)
    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    if wants_csv:
        return Response(usage_report.to_csv(rows), media_type="text/csv; charset=utf-8")
    return JSONResponse([row.model_dump(mode="json") for row in rows])


def _rows(runtime: RuntimeDep, start: date, end: date, key: int | None) -> list[UsageRow]:
    runtime.usage.to_database()  # this process's latest counts too
    with session_scope(runtime.sessions) as session:
        return usage_report.report(session, start, end, key)
