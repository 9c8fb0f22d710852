"""`kakehashi usage report`: what each key took, per day and language (table, CSV or JSON)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from service.cli._app import console, settings_or_exit, store_session
from service.settings import Settings

DAY = ["%Y-%m-%d"]
usage_app = typer.Typer(
    help="Usage per key, day and language, for licensing.", no_args_is_help=True
)


def _flush(settings: Settings) -> None:
    """Move the counts waiting in Redis to the database first (with an external Redis; the
    embedded one belongs to the running server, which moves them every few seconds)."""
    if settings.redis_url is None:
        return
    import redis

    from service.store import db
    from service.syndication.usage import Usage

    engine = db.make_engine(settings.resolved_database_url)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=10)
    try:
        Usage(client, db.make_sessionmaker(engine), settings).to_database()
    except redis.RedisError as exc:
        console.print(f"[yellow]Redis unreachable, counts waiting there are not in: {exc}")
    finally:
        client.close()
        engine.dispose()


@usage_app.command("report")
def usage_report_command(
    start: Annotated[
        datetime, typer.Option("--from", formats=DAY, help="First UTC day (YYYY-MM-DD).")
    ],
    end: Annotated[datetime, typer.Option("--to", formats=DAY, help="Last UTC day, included.")],
    key: Annotated[int | None, typer.Option(help="One key's id (default: every key).")] = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Per key, day and language: fetches (200s and 304s), 304s, items delivered, page views."""
    from service.syndication import usage_report

    if output not in ("table", "csv", "json"):
        raise typer.BadParameter("--format is table, csv or json")
    settings = settings_or_exit()
    _flush(settings)
    with store_session(settings) as session:
        rows = usage_report.report(session, start.date(), end.date(), key)
    if output == "csv":
        typer.echo(usage_report.to_csv(rows), nl=False)
        return
    if output == "json":
        typer.echo(json.dumps([row.model_dump(mode="json") for row in rows]))
        return
    table = Table(*usage_report.COLUMNS)
    for row in rows:
        data = row.model_dump(mode="json")
        table.add_row(*(str(data[c]) for c in usage_report.COLUMNS))
    console.print(table)
