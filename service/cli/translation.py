"""Translation work from the command line: `translate` a text, `backfill` missing languages."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress

from service.cli._app import (
    app,
    console,
    domain_fail,
    err,
    fail,
    settings_or_exit,
    store_session,
)
from service.errors import DomainError

if TYPE_CHECKING:
    from glossaries.matching import Matcher
    from translators.engine import Engine
    from translators.pipeline import Segment, TranslationResult
    from translators.review import ReviewPolicy


@app.command()
def translate(
    file: Annotated[str, typer.Argument(help="A UTF-8 text file, or - for standard input.")],
    source: Annotated[str, typer.Option("--from", help="Source language.")] = "ja",
    target: Annotated[str, typer.Option("--to", help="Target language.")] = "en",
    glossary: Annotated[
        list[str] | None, typer.Option(help="A glossary to enforce (repeat; default: all).")
    ] = None,
    no_glossary: Annotated[
        bool, typer.Option("--no-glossary", help="Translate without any glossary.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print segments and reports as JSON.")
    ] = False,
) -> None:
    """Translate a text now with the installed model and the glossaries."""
    from service.glossary.matchers import MatcherCache
    from service.jobs.engines import EngineRegistry

    settings = settings_or_exit()
    if source != "ja":
        raise fail("only Japanese (ja) sources are supported", 2)
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {file}: {exc}", 2) from exc
    if not text.strip():
        raise fail("the text is empty", 2)
    registry = EngineRegistry(settings)
    registry.set_worker_threads(1)  # this command is the only user: every core for its calls
    engine = registry.engine(target, source)
    if engine is None:
        raise fail(f"no model installed for {source}:{target}; use 'kakehashi models install'", 3)
    matcher = None
    if not no_glossary:
        try:
            with store_session(settings) as session:
                matcher = MatcherCache().for_names(session, glossary)
        except DomainError as exc:
            raise domain_fail(exc) from exc
    result = _translate_with_progress(text, engine, matcher, settings.review_policy)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(result.text)
        if result.needs_review:
            err.print(f"[yellow]needs review:[/yellow] {', '.join(result.review_reasons)}")


def _translate_with_progress(
    text: str, engine: Engine, matcher: Matcher | None, policy: ReviewPolicy
) -> TranslationResult:
    """Translate in chunks of paragraphs (about 2,000 characters: still large batches) with a
    progress bar on stderr when there is more than one; one result, paragraphs renumbered."""
    from dataclasses import replace

    from translators.pipeline import TranslationResult, translate_texts
    from translators.review import review_reasons
    from translators.segment import split_paragraphs

    chunks: list[str] = []
    for paragraph in split_paragraphs(text):
        if chunks and len(chunks[-1]) + len(paragraph) <= 2000:
            chunks[-1] += "\n\n" + paragraph
        else:
            chunks.append(paragraph)
    segments: list[Segment] = []
    hits = misses = 0
    with Progress(console=err, transient=True, disable=len(chunks) < 2) as progress:
        task = progress.add_task("translating", total=sum(map(len, chunks)))
        for chunk in chunks:
            [part] = translate_texts([chunk], engine=engine, matcher=matcher, policy=policy)
            base = segments[-1].paragraph + 1 if segments else 0
            segments += [replace(s, paragraph=base + s.paragraph) for s in part.segments]
            hits, misses = hits + part.cache_hits, misses + part.cache_misses
            progress.advance(task, len(chunk))
    route = engine.languages
    reasons = review_reasons(segments, policy)
    return TranslationResult(tuple(segments), route, bool(reasons), hits, misses, tuple(reasons))


@app.command()
def backfill() -> None:
    """Create jobs for every published article missing a translation in a configured language."""
    from service.articles import ingest

    settings = settings_or_exit()
    with store_session(settings) as session, Progress(console=err) as progress:
        task = progress.add_task("checking articles", total=None)
        created = ingest.backfill(
            session,
            settings.target_languages,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    console.print(f"{created} jobs created; running services send them within a sweep interval")
