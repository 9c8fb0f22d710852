"""/v1/glossaries: editors' terms; reading needs a publisher or editor key (partners read no
glossary data), writing and exporting an editor key."""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from glossaries.exchange import FORMATS as EXCHANGE_FORMATS
from service import glossary_edits, glossary_import, glossary_store, heap, term_index
from service.db import session_scope
from service.deps import EditingDep, Editor, GlossaryReader, RuntimeDep, SessionDep
from service.errors import Invalid, Malformed, TooLarge
from service.glossary_edits import EntryChange
from service.glossary_import import ImportOutcome
from service.routes._upload import read_upload
from service.schemas import (
    ENTRY_ID_PATTERN,
    GLOSSARY_NAME_PATTERN,
    AcceptSuggestionIn,
    EntryChangeOut,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    GlossaryIn,
    GlossaryOut,
    GlossaryPatch,
    HistoryOut,
    Storable,
    SuggestionOut,
    UsageOut,
)
from service.settings import LANGUAGE_PATTERN

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/glossaries", tags=["glossaries"])
# Changing or deleting an entry needs its ETag (optimistic concurrency between editors).
IF_MATCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    412: {"description": "the entry changed since it was read"},
    428: {"description": "If-Match is missing"},
}
GlossaryPath = Annotated[str, Path(pattern=GLOSSARY_NAME_PATTERN)]
EntryPath = Annotated[str, Path(pattern=ENTRY_ID_PATTERN)]
IfMatch = Annotated[str | None, Header(description="the entry's ETag, required to change it")]
TargetLang = Annotated[str | None, Query(pattern=LANGUAGE_PATTERN)]
MAX_IMPORT_BYTES = 5_000_000
# The import's own request body limit (the body-size middleware's override for this route):
# the file plus room for multipart framing; every other body keeps KAKEHASHI_MAX_BODY_BYTES.
IMPORT_PATH = re.compile(r"^/v1/glossaries/[^/]+/import$")
IMPORT_BODY_BYTES = MAX_IMPORT_BYTES + 64 * 1024


def _change_out(change: EntryChange, response: Response | None = None) -> EntryChangeOut:
    entry = EntryOut.of(change.glossary, change.row) if change.row is not None else None
    if response is not None and entry is not None:
        response.headers["ETag"] = entry.etag
    return EntryChangeOut(
        entry=entry, affected_articles=sorted(change.affected_articles), jobs=change.job_ids
    )


@router.get("", response_model=list[GlossaryOut])
def list_glossaries(session: SessionDep, _: GlossaryReader) -> list[GlossaryOut]:
    counts = glossary_store.entry_counts(session)
    return [GlossaryOut.of(g, counts.get(g.id, 0)) for g in glossary_store.list_glossaries(session)]


@router.post(
    "", status_code=201, response_model=GlossaryOut, responses={409: {"description": "name taken"}}
)
def create_glossary(body: GlossaryIn, session: SessionDep, editing: EditingDep) -> GlossaryOut:
    row = glossary_store.create_glossary(
        session,
        name=body.name,
        description=body.description,
        categories=body.categories,
        actor=editing.actor,
    )
    return GlossaryOut.of(row, 0)


@router.get("/{name}", response_model=GlossaryOut)
def get_glossary(name: GlossaryPath, session: SessionDep, _: GlossaryReader) -> GlossaryOut:
    row = glossary_store.get_glossary(session, name)
    return GlossaryOut.of(row, glossary_store.entry_count(session, row))


@router.patch("/{name}", response_model=GlossaryOut)
def update_glossary(
    name: GlossaryPath, body: GlossaryPatch, session: SessionDep, editing: EditingDep
) -> GlossaryOut:
    """Change the description or the categories (which re-translates the articles affected)."""
    changes = body.model_dump(exclude_unset=True)
    row = glossary_edits.update_glossary(session, editing, name, changes)
    return GlossaryOut.of(row, glossary_store.entry_count(session, row))


@router.delete("/{name}", status_code=204)
def delete_glossary(name: GlossaryPath, session: SessionDep, editing: EditingDep) -> Response:
    """Delete a glossary (its history stays); the articles that used its terms are translated
    again without them."""
    jobs = glossary_edits.delete_glossary(session, editing, name)
    log.info("glossary %s deleted by %s; %d jobs queued", name, editing.actor, len(jobs))
    return Response(status_code=204)


@router.get("/{name}/entries", response_model=EntryPage)
def list_entries(
    name: GlossaryPath,
    session: SessionDep,
    _: GlossaryReader,
    q: Annotated[
        Annotated[str, Storable] | None, Query(max_length=200, description="search terms")
    ] = None,
    status: Annotated[str | None, Query(pattern="^(draft|approved)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EntryPage:
    glossary = glossary_store.get_glossary(session, name)
    total, rows = glossary_store.search_entries(
        session, glossary, q=q, status=status, limit=limit, offset=offset
    )
    items = [EntryOut.of(glossary, r) for r in rows]
    return EntryPage(total=total, limit=limit, offset=offset, items=items)


@router.post(
    "/{name}/entries",
    status_code=201,
    response_model=EntryChangeOut,
    responses={409: {"description": "a spelling is already a term of another entry"}},
)
def create_entry(
    name: GlossaryPath, body: EntryIn, session: SessionDep, editing: EditingDep, response: Response
) -> EntryChangeOut:
    change = glossary_edits.create_entry(session, editing, name, body.to_entry())
    return _change_out(change, response)


@router.get("/{name}/entries/{entry_id}", response_model=EntryOut)
def get_entry(
    name: GlossaryPath,
    entry_id: EntryPath,
    session: SessionDep,
    _: GlossaryReader,
    response: Response,
) -> EntryOut:
    glossary = glossary_store.get_glossary(session, name)
    out = EntryOut.of(glossary, glossary_store.get_entry(session, glossary, entry_id))
    response.headers["ETag"] = out.etag
    return out


@router.patch(
    "/{name}/entries/{entry_id}",
    response_model=EntryChangeOut,
    responses={
        409: {"description": "a spelling is already a term of another entry"},
        **IF_MATCH_RESPONSES,
    },
)
def update_entry(
    name: GlossaryPath,
    entry_id: EntryPath,
    body: EntryPatch,
    session: SessionDep,
    editing: EditingDep,
    response: Response,
    if_match: IfMatch = None,
) -> EntryChangeOut:
    changes = body.model_dump(exclude_unset=True)
    change = glossary_edits.update_entry(session, editing, name, entry_id, changes, if_match)
    return _change_out(change, response)


@router.delete(
    "/{name}/entries/{entry_id}",
    response_model=EntryChangeOut,
    responses=IF_MATCH_RESPONSES,
)
def delete_entry(
    name: GlossaryPath,
    entry_id: EntryPath,
    session: SessionDep,
    editing: EditingDep,
    if_match: IfMatch = None,
) -> EntryChangeOut:
    return _change_out(glossary_edits.delete_entry(session, editing, name, entry_id, if_match))


@router.get("/{name}/entries/{entry_id}/history", response_model=list[HistoryOut])
def entry_history(
    name: GlossaryPath, entry_id: EntryPath, session: SessionDep, _: GlossaryReader
) -> list[HistoryOut]:
    glossary = glossary_store.get_glossary(session, name)
    rows = glossary_store.history(session, glossary, entry_id)
    return [HistoryOut.model_validate(r) for r in rows]


@router.get("/{name}/history", response_model=list[HistoryOut])
def glossary_history(
    name: GlossaryPath,
    session: SessionDep,
    _: GlossaryReader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[HistoryOut]:
    glossary = glossary_store.get_glossary(session, name)
    rows = glossary_store.history(session, glossary, None, limit)
    return [HistoryOut.model_validate(r) for r in rows]


@router.get("/{name}/entries/{entry_id}/usage", response_model=list[UsageOut])
def entry_usage(
    name: GlossaryPath, entry_id: EntryPath, session: SessionDep, _: GlossaryReader
) -> list[UsageOut]:
    """The published articles, and the sentences in them, where the term occurs."""
    glossary = glossary_store.get_glossary(session, name)
    row = glossary_store.get_entry(session, glossary, entry_id)
    return [UsageOut(**u) for u in term_index.usage(session, glossary, row)]


@router.get("/{name}/suggestions", response_model=list[SuggestionOut])
def list_suggestions(
    name: GlossaryPath,
    session: SessionDep,
    _: GlossaryReader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SuggestionOut]:
    """Spellings in ingested articles that are probably variants of an entry (kana folding,
    small edit distances), with their counts."""
    glossary = glossary_store.get_glossary(session, name)
    found = term_index.suggestions(session, glossary)[:limit]
    return [SuggestionOut.model_validate(s) for s in found]


@router.post(
    "/{name}/suggestions/accept",
    response_model=EntryChangeOut,
    responses={409: {"description": "already a spelling of the entry, or of another"}},
)
def accept_suggestion(
    name: GlossaryPath, body: AcceptSuggestionIn, session: SessionDep, editing: EditingDep
) -> EntryChangeOut:
    """Make a suggested spelling an alias of its entry."""
    return _change_out(
        glossary_edits.accept_suggestion(session, editing, name, body.entry_id, body.spelling)
    )


@router.post(
    "/{name}/import",
    response_model=ImportOutcome,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {},
                "text/plain": {},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            }
        }
    },
)
async def import_glossary(
    name: GlossaryPath,
    request: Request,
    runtime: RuntimeDep,
    editing: EditingDep,
    format: Annotated[
        str, Query(description="auto or one of " + ", ".join(EXCHANGE_FORMATS))
    ] = "auto",
    target_lang: TargetLang = None,
    dry_run: Annotated[bool, Query(description="preview only: apply nothing")] = False,
    replace: Annotated[bool, Query(description="delete entries missing from the file")] = False,
    offset: Annotated[int, Query(ge=0, description="first entry listed of each list")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="entries listed per list")] = 100,
) -> ImportOutcome:
    """Import a TSV/CSV file (DeepL, AWS or kakehashi format) sent as the request body or as a
    multipart/form-data upload (field `file`). Every line is validated first: one bad line and
    nothing is applied (422, each bad line with its number and text).

    The answer counts the entries added, changed, removed and unchanged, lists one page of
    each (every field that differs, before → after; `page.next_offset` and the same request
    again list the next page) and the re-translation impact. Async only to read the body; the
    import runs in the thread pool, in one transaction."""
    if format != "auto" and format not in EXCHANGE_FORMATS:
        raise Invalid(f"unknown format {format!r}")
    raw = await read_upload(request)
    if len(raw) > MAX_IMPORT_BYTES:
        raise TooLarge("glossary files are limited to 5 MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Malformed("the file must be UTF-8", code="bad_encoding") from exc
    if not text.strip():
        raise Invalid("the file is empty")

    def run() -> ImportOutcome:
        try:
            with session_scope(runtime.sessions) as session:
                return glossary_import.import_entries(
                    session,
                    editing,
                    name,
                    text,
                    format=format,
                    target_lang=target_lang,
                    dry_run=dry_run,
                    replace=replace,
                    offset=offset,
                    limit=limit,
                )
        finally:  # in the thread too: a big file's objects are gone, give their pages back
            heap.release_freed_memory()

    return await run_in_threadpool(run)


@router.get(
    "/{name}/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "text/tab-separated-values": {}}}},
)
def export_glossary(
    name: GlossaryPath,
    session: SessionDep,
    _: Editor,
    format: Annotated[str, Query(description=", ".join(EXCHANGE_FORMATS))] = "kakehashi-tsv",
    target_lang: TargetLang = None,
) -> Response:
    if format not in EXCHANGE_FORMATS:
        raise Invalid(f"unknown format {format!r}")
    text = glossary_store.export(session, name, format=format, target_lang=target_lang)
    media = "text/tab-separated-values" if format.endswith("tsv") else "text/csv"
    extension = "tsv" if format.endswith("tsv") else "csv"
    return Response(
        text,
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}.{extension}"'},
    )
