"""/v1/memory: the translation memory (editors' corrected sentences): list, TMX export and
import (every unit checked, dry run, nothing applied unless all is valid)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
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
MemoryId = Path(ge=1, le=2**31 - 1, description="the entry's id (from the listing)")


@router.get("")
def list_memory(
    session: SessionDep,
    _: Editor,
    lang: Annotated[str | None, Query(pattern=LANGUAGE_PATTERN)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    """Every memory entry (sentence, language, translation, the terms it was made under,
    whether a glossary change made it stale); `q`: those whose sentence or translation
    contains it."""
    return [asdict(e) for e in memory_store.entries(session, lang, q)]


class MemoryEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    translation: str = Field(min_length=1, max_length=5000)


@router.patch("/{entry_id}", responses={404: {"description": "no such entry"}})
def edit_memory(
    session: SessionDep, editor: Editor, body: MemoryEditIn, entry_id: int = MemoryId
) -> dict[str, Any]:
    """Change an entry's translation (it is fresh again and applies to new translations)."""
    return asdict(memory_store.edit(session, entry_id, body.translation.strip(), editor.name))


@router.delete("/{entry_id}", status_code=204, responses={404: {"description": "no such entry"}})
def delete_memory(session: SessionDep, _: Editor, entry_id: int = MemoryId) -> Response:
    """Forget an entry: the sentence is machine-translated again next time."""
    memory_store.delete(session, entry_id)
    return Response(status_code=204)


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
