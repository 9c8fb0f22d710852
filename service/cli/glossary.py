"""`kakehashi glossary`: list, import and export glossaries."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from glossaries.exchange import FORMATS
from service.cli._app import console, domain_fail, err, fail, settings_or_exit, store_session
from service.errors import DomainError, NotFound

if TYPE_CHECKING:
    pass

glossary_app = typer.Typer(help="Glossaries of the newsroom's terms.", no_args_is_help=True)


@glossary_app.command("list")
def glossary_list() -> None:
    """List the glossaries with their entry counts and versions."""
    from service import glossary_store

    table = Table("name", "entries", "version", "categories", "description")
    with store_session(settings_or_exit()) as session:
        counts = glossary_store.entry_counts(session)
        for g in glossary_store.list_glossaries(session):
            table.add_row(
                g.name,
                str(counts.get(g.id, 0)),
                str(g.version),
                ",".join(g.categories or ["*"]),
                g.description,
            )
    console.print(table)


@glossary_app.command("import")
def glossary_import(
    file: Annotated[Path, typer.Argument(help="A TSV/CSV file (DeepL, AWS or kakehashi format).")],
    glossary: Annotated[str, typer.Option("--glossary", "-g", help="Glossary name.")],
    format: Annotated[
        str,
        typer.Option(help=f"auto (read from the file) or one of: {', '.join(FORMATS)}."),
    ] = "auto",
    target_lang: Annotated[
        str | None, typer.Option(help="Target language of a DeepL file.")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Show what would change; change nothing.")] = False,
    replace: Annotated[bool, typer.Option(help="Delete entries missing from the file.")] = False,
    create: Annotated[bool, typer.Option(help="Create the glossary if it does not exist.")] = False,
) -> None:
    """Import entries; every line is checked first and nothing is applied if one is invalid."""
    from service import glossary_store
    from service.glossary_edits import Editing
    from service.glossary_import import import_entries

    settings = settings_or_exit()
    editing = Editing(actor="cli", targets=settings.target_languages)  # the sweep sends the jobs
    try:
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task(f"reading {file.name}", total=None)
            text = file.read_text(encoding="utf-8-sig")
            progress.update(task, description="validating and applying")
            with store_session(settings) as session:
                try:
                    glossary_store.get_glossary(session, glossary)
                except NotFound:
                    if not create:
                        raise
                    glossary_store.create_glossary(
                        session, name=glossary, description="", categories=None, actor="cli"
                    )
                outcome = import_entries(
                    session,
                    editing,
                    glossary,
                    text,
                    format=format,
                    target_lang=target_lang,
                    dry_run=dry_run,
                    replace=replace,
                )
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {file}: {exc}", 2) from exc
    except DomainError as exc:
        raise domain_fail(exc) from exc
    verb = "would change" if dry_run else "changed"
    console.print(
        f"{outcome.format}: {len(outcome.added)} added, {len(outcome.changed)} "
        f"changed, {len(outcome.removed)} removed, {outcome.unchanged} unchanged "
        f"({verb}); {outcome.jobs} re-translation jobs queued"
    )


@glossary_app.command("export")
def glossary_export(
    glossary: Annotated[str, typer.Option("--glossary", "-g", help="Glossary name.")],
    format: Annotated[
        str,
        typer.Option(help=f"One of: {', '.join(FORMATS)}."),
    ] = "kakehashi-tsv",
    target_lang: Annotated[
        str | None, typer.Option(help="Target language (DeepL formats).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")
    ] = None,
) -> None:
    """Export a glossary as TSV/CSV."""
    from service import glossary_store

    try:
        with store_session(settings_or_exit()) as session:
            text = glossary_store.export(session, glossary, format=format, target_lang=target_lang)
            count = glossary_store.entry_count(
                session, glossary_store.get_glossary(session, glossary)
            )
    except DomainError as exc:
        raise domain_fail(exc) from exc
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {count} entries to {output}")
