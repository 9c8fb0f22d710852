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
    from service.glossary_import import ImportOutcome

SHOWN = 20  # entries of each list printed
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
    dry_run: Annotated[
        bool, typer.Option(help="Show what would change (before → after) and apply nothing.")
    ] = False,
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
            doing = "checking (dry run: nothing is applied)" if dry_run else "checking and applying"
            progress.update(task, description=doing)
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
                    limit=SHOWN,
                    target_lang_name="--target-lang",
                )
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {file}: {exc}", 2) from exc
    except DomainError as exc:
        raise domain_fail(exc) from exc
    _print_outcome(outcome)


def _print_outcome(outcome: ImportOutcome) -> None:
    counts = outcome.counts
    summary = (
        f"{counts.added} added, {counts.changed} changed, {counts.removed} removed, "
        f"{counts.unchanged} unchanged"
    )
    if outcome.dry_run:
        console.print(f"{outcome.format}, dry run, nothing was applied: would be {summary}")
    else:
        console.print(f"{outcome.format}: {summary}")
    for label, entries in (
        ("added", outcome.added),
        ("changed", outcome.changed),
        ("removed", outcome.removed),
    ):
        for entry in entries:
            fields = "; ".join(
                f"{f.field}: {_shown(f.before)} → {_shown(f.after)}" for f in entry.fields
            )
            console.print(f"  {label} {entry.source}: {fields}", markup=False, highlight=False)
    if outcome.page.next_offset is not None:
        console.print(f"  (the first {SHOWN} of each are shown)")
    impact = outcome.impact
    langs = ", ".join(impact.languages)
    if outcome.dry_run and impact.articles:
        console.print(
            f"would re-translate {impact.articles} article(s) in {langs}: {impact.jobs} job(s)"
        )
    elif outcome.dry_run:
        console.print("would re-translate no article")
    else:
        console.print(f"{outcome.jobs} re-translation job(s) queued")


def _shown(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "|".join(str(v) for v in value) or "(none)"
    return repr(value) if isinstance(value, str) else str(value)


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
