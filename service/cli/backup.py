"""`kakehashi backup` and `kakehashi restore`: a consistent online copy of the SQLite store
with the list of installed models, and the way back into an empty data dir."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli._app import app, console, domain_fail, settings_or_exit
from service.errors import DomainError


@app.command("backup")
def backup_command(
    folder: Annotated[Path, typer.Argument(help="A new or empty folder for the backup.")],
) -> None:
    """Copy the SQLite store while the service runs (consistent), with the models list."""
    from service.store.backup import backup

    try:
        report = backup(settings_or_exit(), folder)
    except DomainError as exc:
        raise domain_fail(exc) from exc
    console.print(
        f"backed up {report.database_bytes:,} bytes and a list of {len(report.models)} "
        f"models to {report.folder}"
    )


@app.command("restore")
def restore_command(
    folder: Annotated[Path, typer.Argument(help="A folder written by kakehashi backup.")],
) -> None:
    """Restore a backup into the configured (empty) data dir; then reinstall its models."""
    from service.store.backup import restore

    try:
        report = restore(settings_or_exit(), folder)
    except DomainError as exc:
        raise domain_fail(exc) from exc
    console.print(f"restored {report.database_bytes:,} bytes from {report.folder}")
    for model in report.models:
        console.print(
            f"reinstall: kakehashi models install {model['pair']}  ({model['code']} "
            f"{model['version']})"
        )
