"""`kakehashi jobs`: list translation jobs (what failed and why) and retry failed ones."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from service.cli._app import console, domain_fail, settings_or_exit, store_session
from service.errors import DomainError

jobs_app = typer.Typer(help="List translation jobs and retry failed ones.", no_args_is_help=True)


@jobs_app.command("list")
def jobs_list(
    state: Annotated[
        str | None,
        typer.Option(help="queued, running, done, waiting-for-model, failed or cancelled."),
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Target language, e.g. fr.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Changed at or after this time (ISO 8601).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Jobs, newest change first, with their error when they failed."""
    from service.jobs import admin as job_admin

    try:
        with store_session(settings_or_exit()) as session:
            page = job_admin.list_jobs(session, state=state, lang=lang, since=since, limit=limit)
    except DomainError as exc:
        raise domain_fail(exc) from exc
    if as_json:
        console.print_json(json.dumps([job.model_dump(mode="json") for job in page.items]))
        return
    table = Table("job", "article", "rev", "lang", "state", "attempts", "updated", "error")
    for job in page.items:
        table.add_row(
            job.id,
            job.article_id,
            str(job.revision),
            job.lang,
            job.state,
            str(job.attempts),
            job.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
            (job.error or "")[:80],
        )
    console.print(table)
    if page.next_before:
        console.print(f"more: raise --limit (showing {len(page.items)})")


@jobs_app.command("retry")
def jobs_retry(
    job_ids: Annotated[list[str], typer.Argument(help="Ids of failed jobs.", show_default=False)],
) -> None:
    """Queue failed jobs again. The new jobs are sent by the outbox of the running service or
    worker (its next sweep), so this works with the service up or down."""
    from service.jobs import admin as job_admin

    try:
        with store_session(settings_or_exit()) as session:
            new = [job_admin.retry(session, job_id)[0] for job_id in job_ids]
    except DomainError as exc:
        raise domain_fail(exc) from exc
    for old, job in zip(job_ids, new, strict=True):
        console.print(f"{old} -> new job {job.id} ({job.article_id}, {job.lang}): queued")
