"""What every `kakehashi` command shares: the root Typer app, the consoles, settings, errors
mapped to exit codes, and one transaction on the store of record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import click
import typer
import typer.core
from rich.console import Console

from service.errors import DomainError, ModelMissing
from service.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _no_type_on_flags() -> None:
    """Typer 0.2x prints a value type after every option, `<bool>` after flags too, though a
    flag takes no value: drop it there so the help column says only what a person types.
    Typer has no setting for this; the patch is guarded so a Typer without the method is left
    as it is."""
    option = getattr(typer.core, "TyperOption", None)
    shown = getattr(option, "display_type_rich", None)
    if option is None or shown is None or getattr(shown, "_kakehashi", False):
        return

    def display_type_rich(self: click.Option, ctx: click.Context) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._kakehashi = True  # type: ignore[attr-defined]
    option.display_type_rich = display_type_rich


_no_type_on_flags()
app = typer.Typer(
    help="Kakehashi: offline translation and syndication of Japanese journalism.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"kakehashi {version('kakehashi')}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Kakehashi: offline translation and syndication of Japanese journalism."""


def settings_or_exit() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's ValidationError: show it as a configuration problem
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def domain_fail(exc: DomainError) -> typer.Exit:
    """The one place domain errors become exit codes: 3 for a missing model, else 2 (bad input)."""
    for detail in exc.details if isinstance(exc.details, list) else []:
        if isinstance(detail, dict) and "line" in detail:
            err.print(f"  line {detail['line']}: {detail['message']}")
    return fail(exc.message, 3 if isinstance(exc, ModelMissing) else 2)


@contextmanager
def store_session(settings: Settings) -> Iterator[Session]:
    """One transaction on the store of record (migrated and seeded first, see
    `migrate.prepare_store`), committed on success; the engine is disposed either way."""
    from service.migrate import prepare_store
    from service.store import db

    engine = db.make_engine(settings.resolved_database_url)
    try:
        prepare_store(engine)
        sessions = db.make_sessionmaker(engine)
        with db.session_scope(sessions) as session:
            yield session
    finally:
        engine.dispose()
