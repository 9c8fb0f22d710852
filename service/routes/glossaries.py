"""/v1/glossaries: editors' terms; reading needs any key, writing an editor key."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from glossaries import Entry, export
from glossaries.exchange import FORMATS as EXCHANGE_FORMATS
from service import outbox, terminology
from service.db import session_scope
from service.deps import AnyPrincipal, Editor, RuntimeDep, SessionDep
from service.errors import ApiError
from service.schemas import (
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
    ImportOut,
    SuggestionOut,
    UsageOut,
)
from service.tables import EntryRow, GlossaryRow, HistoryRow
from service.upload import read_upload

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/glossaries", tags=["glossaries"])
GlossaryPath = Annotated[str, Path(pattern=terminology.NAME_PATTERN)]
EntryPath = Annotated[str, Path(pattern=r"^[0-9a-f]{1,32}$")]
IfMatch = Annotated[str | None, Header(description="the entry's ETag, required to change it")]
MAX_IMPORT_BYTES = 5_000_000


def _glossary_out(row: GlossaryRow, entries: int) -> GlossaryOut:
    return GlossaryOut(
        name=row.name,
        description=row.description,
        source_lang=row.source_lang,
        categories=row.categories,
        version=row.version,
        entries=entries,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _entry_out(glossary: GlossaryRow, row: EntryRow) -> EntryOut:
    return EntryOut(
        id=row.id,
        glossary=glossary.name,
        source=row.source,
        targets=dict(row.targets),
        aliases=list(row.aliases),
        do_not_translate=row.do_not_translate,
        case_sensitive=row.case_sensitive,
        note=row.note,
        status=row.status,
        revision=row.revision,
        etag=terminology.entry_etag(row),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _history_out(row: HistoryRow) -> HistoryOut:
    return HistoryOut(
        id=row.id,
        entry_id=row.entry_id,
        action=row.action,
        actor=row.actor,
        at=row.at,
        before=row.before,
        after=row.after,
    )


def _entry_value(data: EntryIn) -> Entry:
    return Entry(
        source=data.source,
        targets=data.targets,
        aliases=tuple(data.aliases),
        do_not_translate=data.do_not_translate,
        case_sensitive=data.case_sensitive,
        note=data.note,
        status=data.status,
    )


def _change_out(
    runtime: RuntimeDep, glossary: GlossaryRow, change: terminology.EntryChange
) -> EntryChangeOut:
    return EntryChangeOut(
        entry=_entry_out(glossary, change.row) if change.row is not None else None,
        affected_articles=sorted(change.affected_articles),
        jobs=change.job_ids,
    )


NOT_NULL = ("source", "targets", "aliases", "status")


def _present(row: EntryRow | None) -> EntryRow:
    assert row is not None  # _change looked it up (or answered 404)
    return row


def _after_commit(runtime: RuntimeDep, job_ids: list[str]) -> None:
    if job_ids:
        outbox.dispatch(runtime, job_ids)


def _change(
    runtime: RuntimeDep,
    name: str,
    entry_id: str | None,
    apply: Callable[[Session, GlossaryRow, EntryRow | None], terminology.EntryChange],
    response: Response | None = None,
) -> EntryChangeOut:
    """Run one entry change in its own transaction, then queue its re-translations."""
    with session_scope(runtime.sessions) as session:
        glossary = terminology.get_glossary(session, name)
        row = terminology.get_entry(session, glossary, entry_id) if entry_id else None
        change = apply(session, glossary, row)
        out = _change_out(runtime, glossary, change)
    _after_commit(runtime, change.job_ids)
    if response is not None and out.entry is not None:
        response.headers["ETag"] = out.entry.etag
    return out


@router.get("", response_model=list[GlossaryOut])
def list_glossaries(session: SessionDep, _: AnyPrincipal) -> list[GlossaryOut]:
    counts = terminology.entry_counts(session)
    return [_glossary_out(g, counts.get(g.id, 0)) for g in terminology.list_glossaries(session)]


@router.post("", status_code=201, response_model=GlossaryOut)
def create_glossary(body: GlossaryIn, session: SessionDep, editor: Editor) -> GlossaryOut:
    row = terminology.create_glossary(
        session,
        name=body.name,
        description=body.description,
        categories=body.categories,
        actor=editor.name,
    )
    return _glossary_out(row, 0)


@router.get("/{name}", response_model=GlossaryOut)
def get_glossary(name: GlossaryPath, session: SessionDep, _: AnyPrincipal) -> GlossaryOut:
    row = terminology.get_glossary(session, name)
    return _glossary_out(row, terminology.entry_counts(session).get(row.id, 0))


@router.patch("/{name}", response_model=GlossaryOut)
def update_glossary(
    name: GlossaryPath, body: GlossaryPatch, runtime: RuntimeDep, editor: Editor
) -> GlossaryOut:
    """Change the description or the categories (which re-translates the articles affected)."""
    with session_scope(runtime.sessions) as session:
        row = terminology.get_glossary(session, name)
        jobs = terminology.update_glossary(
            session,
            row,
            body.model_dump(exclude_unset=True),
            editor.name,
            runtime.settings.target_languages,
        )
        out = _glossary_out(row, terminology.entry_counts(session).get(row.id, 0))
    _after_commit(runtime, jobs)
    return out


@router.delete("/{name}", status_code=204)
def delete_glossary(name: GlossaryPath, runtime: RuntimeDep, editor: Editor) -> Response:
    """Delete a glossary; the articles that used its terms are translated again without them."""
    with session_scope(runtime.sessions) as session:
        row = terminology.get_glossary(session, name)
        jobs = terminology.delete_glossary(
            session, row, editor.name, runtime.settings.target_languages
        )
    log.info("glossary %s deleted by %s; %d jobs queued", name, editor.name, len(jobs))
    _after_commit(runtime, jobs)
    return Response(status_code=204)


@router.get("/{name}/entries", response_model=EntryPage)
def list_entries(
    name: GlossaryPath,
    session: SessionDep,
    _: AnyPrincipal,
    q: Annotated[str | None, Query(max_length=200, description="search terms")] = None,
    status: Annotated[str | None, Query(pattern="^(draft|approved)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EntryPage:
    glossary = terminology.get_glossary(session, name)
    total, rows = terminology.search_entries(
        session, glossary, q=q, status=status, limit=limit, offset=offset
    )
    return EntryPage(
        total=total, limit=limit, offset=offset, items=[_entry_out(glossary, r) for r in rows]
    )


@router.post("/{name}/entries", status_code=201, response_model=EntryChangeOut)
def create_entry(
    name: GlossaryPath, body: EntryIn, runtime: RuntimeDep, editor: Editor, response: Response
) -> EntryChangeOut:
    targets = runtime.settings.target_languages
    return _change(
        runtime,
        name,
        None,
        lambda session, glossary, _row: terminology.create_entry(
            session, glossary, _entry_value(body), editor.name, targets
        ),
        response,
    )


@router.get("/{name}/entries/{entry_id}", response_model=EntryOut)
def get_entry(
    name: GlossaryPath,
    entry_id: EntryPath,
    session: SessionDep,
    _: AnyPrincipal,
    response: Response,
) -> EntryOut:
    glossary = terminology.get_glossary(session, name)
    row = terminology.get_entry(session, glossary, entry_id)
    response.headers["ETag"] = terminology.entry_etag(row)
    return _entry_out(glossary, row)


@router.patch(
    "/{name}/entries/{entry_id}",
    response_model=EntryChangeOut,
    responses={
        412: {"description": "the entry changed since it was read"},
        428: {"description": "If-Match is missing"},
    },
)
def update_entry(
    name: GlossaryPath,
    entry_id: EntryPath,
    body: EntryPatch,
    runtime: RuntimeDep,
    editor: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> EntryChangeOut:
    changes = body.model_dump(exclude_unset=True)
    if any(changes.get(k) is None and k in changes for k in NOT_NULL):
        raise ApiError(422, "invalid", "source, targets, aliases and status cannot be null")
    targets = runtime.settings.target_languages
    return _change(
        runtime,
        name,
        entry_id,
        lambda session, glossary, row: terminology.update_entry(
            session, glossary, _present(row), changes, if_match, editor.name, targets
        ),
        response,
    )


@router.delete("/{name}/entries/{entry_id}", response_model=EntryChangeOut)
def delete_entry(
    name: GlossaryPath,
    entry_id: EntryPath,
    runtime: RuntimeDep,
    editor: Editor,
    if_match: IfMatch = None,
) -> EntryChangeOut:
    targets = runtime.settings.target_languages
    return _change(
        runtime,
        name,
        entry_id,
        lambda session, glossary, row: terminology.delete_entry(
            session, glossary, _present(row), if_match, editor.name, targets
        ),
    )


@router.get("/{name}/entries/{entry_id}/history", response_model=list[HistoryOut])
def entry_history(
    name: GlossaryPath, entry_id: EntryPath, session: SessionDep, _: AnyPrincipal
) -> list[HistoryOut]:
    glossary = terminology.get_glossary(session, name)
    rows = terminology.history(session, glossary, entry_id)
    if not rows:
        raise ApiError(404, "not_found", f"no history for entry {entry_id}")
    return [_history_out(r) for r in rows]


@router.get("/{name}/history", response_model=list[HistoryOut])
def glossary_history(
    name: GlossaryPath,
    session: SessionDep,
    _: AnyPrincipal,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[HistoryOut]:
    glossary = terminology.get_glossary(session, name)
    return [_history_out(r) for r in terminology.history(session, glossary, None, limit)]


@router.get("/{name}/entries/{entry_id}/usage", response_model=list[UsageOut])
def entry_usage(
    name: GlossaryPath, entry_id: EntryPath, session: SessionDep, _: AnyPrincipal
) -> list[UsageOut]:
    """The published articles, and the sentences in them, where the term occurs."""
    glossary = terminology.get_glossary(session, name)
    row = terminology.get_entry(session, glossary, entry_id)
    return [UsageOut(**u) for u in terminology.usage(session, glossary, row)]


@router.get("/{name}/suggestions", response_model=list[SuggestionOut])
def list_suggestions(
    name: GlossaryPath,
    session: SessionDep,
    _: AnyPrincipal,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SuggestionOut]:
    """Spellings in ingested articles that are probably variants of an entry (kana folding,
    small edit distances), with their counts."""
    glossary = terminology.get_glossary(session, name)
    found = terminology.suggestions(session, glossary)[:limit]
    return [
        SuggestionOut(
            entry_id=s.entry_id,
            entry_source=s.entry_source,
            spelling=s.spelling,
            count=s.count,
            reason=s.reason,
        )
        for s in found
    ]


@router.post("/{name}/suggestions/accept", response_model=EntryChangeOut)
def accept_suggestion(
    name: GlossaryPath, body: AcceptSuggestionIn, runtime: RuntimeDep, editor: Editor
) -> EntryChangeOut:
    """Make a suggested spelling an alias of its entry."""
    targets = runtime.settings.target_languages

    def accept(
        session: Session, glossary: GlossaryRow, row: EntryRow | None
    ) -> terminology.EntryChange:
        row = _present(row)
        if body.spelling in (row.source, *row.aliases):
            raise ApiError(409, "exists", f"{body.spelling!r} is already a spelling of it")
        return terminology.update_entry(
            session,
            glossary,
            row,
            {"aliases": [*row.aliases, body.spelling]},
            terminology.entry_etag(row),
            editor.name,
            targets,
        )

    return _change(runtime, name, body.entry_id, accept)


@router.post(
    "/{name}/import",
    response_model=ImportOut,
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
    editor: Editor,
    format: Annotated[
        str, Query(description="auto or one of " + ", ".join(EXCHANGE_FORMATS))
    ] = "auto",
    target_lang: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")] = None,
    dry_run: bool = False,
    replace: Annotated[bool, Query(description="delete entries missing from the file")] = False,
) -> ImportOut:
    """Import a TSV/CSV file (DeepL, AWS or kakehashi format) sent as the request body or as a
    multipart/form-data upload (field `file`). Every line is validated first: one bad line and
    nothing is applied."""
    if format != "auto" and format not in EXCHANGE_FORMATS:
        raise ApiError(422, "invalid", f"unknown format {format!r}")
    raw = await read_upload(request)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ApiError(413, "too_large", "glossary files are limited to 5 MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "bad_encoding", "the file must be UTF-8") from exc
    if not text.strip():
        raise ApiError(422, "invalid", "the file is empty")

    def run() -> terminology.ImportOutcome:
        with session_scope(runtime.sessions) as session:
            glossary = terminology.get_glossary(session, name)
            return terminology.import_entries(
                session,
                glossary,
                text,
                format=format,
                target_lang=target_lang,
                dry_run=dry_run,
                replace=replace,
                actor=editor.name,
                targets=runtime.settings.target_languages,
            )

    outcome = await run_in_threadpool(run)
    _after_commit(runtime, outcome.job_ids)
    return ImportOut(
        format=outcome.format,
        added=outcome.added,
        changed=outcome.changed,
        removed=outcome.removed,
        unchanged=outcome.unchanged,
        applied=outcome.applied,
        jobs=len(outcome.job_ids),
    )


@router.get(
    "/{name}/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "text/tab-separated-values": {}}}},
)
def export_glossary(
    name: GlossaryPath,
    session: SessionDep,
    _: AnyPrincipal,
    format: Annotated[str, Query(description=", ".join(EXCHANGE_FORMATS))] = "kakehashi-tsv",
    target_lang: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")] = None,
) -> Response:
    if format not in EXCHANGE_FORMATS:
        raise ApiError(422, "invalid", f"unknown format {format!r}")
    value = terminology.glossary_value(session, terminology.get_glossary(session, name))
    try:
        text = export(value, format=format, target_lang=target_lang)
    except ValueError as exc:
        raise ApiError(422, "invalid", str(exc)) from exc
    media = "text/tab-separated-values" if format.endswith("tsv") else "text/csv"
    extension = "tsv" if format.endswith("tsv") else "csv"
    return Response(
        text,
        media_type=f"{media}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{value.name}.{format}.{extension}"'
        },
    )
