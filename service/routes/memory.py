"""/v1/memory: the translation memory (editors' corrected sentences): list, TMX export and
import (every unit checked, dry run, nothing applied unless all is valid)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from service import memory_store
from service.db import session_scope
from service.deps import Editor, RuntimeDep, SessionDep
from service.errors import Invalid, TooLarge
from service.routes._upload import read_upload
from service.settings import LANGUAGE_PATTERN

router = APIRouter(prefix="/v1/memory", tags=["memory"])
MAX_TMX_BYTES = 20 * 1024 * 1024
TMX_MEDIA_TYPE = "application/x-tmx+xml"


@router.get("")
def list_memory(
    session: SessionDep,
    _: Editor,
    lang: Annotated[str | None, Query(pattern=LANGUAGE_PATTERN)] = None,
) -> list[dict[str, Any]]:
    """Every memory entry (sentence, language, translation, the terms it was made under,
    whether a glossary change made it stale)."""
    return [asdict(e) for e in memory_store.entries(session, lang)]


@router.get("/export", response_class=Response, responses={200: {"content": {TMX_MEDIA_TYPE: {}}}})
def export_memory(session: SessionDep, _: Editor) -> Response:
    """The whole memory as a TMX 1.4 file."""
    body = memory_store.export_tmx(session, "0.1.0")
    return Response(
        body,
        media_type=TMX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="kakehashi-memory.tmx"'},
    )


@router.post("/import")
async def import_memory(
    request: Request, runtime: RuntimeDep, _: Editor, dry_run: bool = False
) -> memory_store.ImportOutcome:
    """Import a TMX file (the request body, or a multipart upload in field `file`). Every unit
    is checked first; one problem and nothing is applied (the errors name their lines)."""
    raw = await read_upload(request)
    if len(raw) > MAX_TMX_BYTES:
        raise TooLarge("TMX files are limited to 20 MB")
    if not raw.strip():
        raise Invalid("the file is empty")

    def run() -> memory_store.ImportOutcome:
        with session_scope(runtime.sessions) as session:
            return memory_store.import_tmx(session, raw, dry_run=dry_run)

    return await run_in_threadpool(run)
