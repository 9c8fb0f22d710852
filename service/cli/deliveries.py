"""`kakehashi deliveries`: the notice log, and re-sending dead letters (notices that used up
their attempts) once their receiver is back."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from service.cli._app import console, fail, settings_or_exit, store_session
from service.schemas import DeliveryOut

deliveries_app = typer.Typer(
    help="List notices (dead letters: --state failed) and send them again.", no_args_is_help=True
)


@deliveries_app.command("list")
def deliveries_list(
    state: Annotated[
        str | None, typer.Option(help="pending, delivered or failed (dead letters).")
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="review, cms, partner (pushes) or hub (WebSub pings).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Notices, newest first: where, what, attempts and the last answer or error."""
    from service.jobs import notices

    if state not in (None, notices.PENDING, notices.DELIVERED, notices.GAVE_UP):
        raise fail(f"--state is pending, delivered or failed, not {state!r}", 2)
    with store_session(settings_or_exit()) as session:
        rows = [
            DeliveryOut.model_validate(row, from_attributes=True)
            for row in notices.listing(session, state=state, target=target, limit=limit)
        ]
    if as_json:
        console.print_json(json.dumps([row.model_dump(mode="json") for row in rows]))
        return
    table = Table("id", "target", "event", "article", "lang", "state", "attempts", "last error")
    for row in rows:
        table.add_row(
            str(row.id),
            row.target,
            row.event,
            row.article_id,
            row.lang,
            row.state,
            str(row.attempts),
            (row.last_error or "")[:60],
        )
    console.print(table)


@deliveries_app.command("resend")
def deliveries_resend(
    ids: Annotated[list[int] | None, typer.Argument(help="Notice ids.", show_default=False)] = None,
    all_failed: Annotated[
        bool, typer.Option("--all-failed", help="Every dead letter (state failed).")
    ] = False,
) -> None:
    """Send notices again from their first attempt. The running service's sender picks them up
    within seconds, so this works with the service up or down."""
    from service.jobs import notices
    from service.store.tables import utcnow

    if bool(ids) == all_failed:
        raise fail("give notice ids or --all-failed", 2)
    with store_session(settings_or_exit()) as session:
        resent = notices.resend(session, None if all_failed else ids, utcnow())
    missing = sorted(set(ids or ()) - set(resent))
    for delivery_id in resent:
        console.print(f"notice {delivery_id}: pending, sent again shortly")
    if missing:
        raise fail(f"not re-sent (no such notice, or still pending): {missing}")
    if not resent:
        console.print("no dead letters")
