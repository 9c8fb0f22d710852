"""The `kakehashi` command: serve, worker, models, keys, translate, glossary, backfill."""

from __future__ import annotations

import json
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from service.errors import DomainError, ModelMissing, NotFound
from service.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = typer.Typer(
    help="Kakehashi: offline translation and syndication of Japanese journalism.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(
    help="Install, list and remove argos-format translation models.", no_args_is_help=True
)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
glossary_app = typer.Typer(help="Glossaries of the newsroom's terms.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(keys_app, name="keys")
app.add_typer(glossary_app, name="glossary")

console = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's ValidationError: show it as a configuration problem
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def _public_url(settings: Settings, host: str, port: int) -> Settings:
    """Feed and page links use the address `serve` listens on unless KAKEHASHI_PUBLIC_URL says."""
    if "public_url" in settings.model_fields_set:
        return settings
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:  # an IPv6 literal
        shown = f"[{shown}]"
    return settings.model_copy(update={"public_url": f"http://{shown}:{port}"})


def _domain_fail(exc: DomainError) -> typer.Exit:
    """The one place domain errors become exit codes: 3 for a missing model, else 2 (bad input)."""
    for detail in exc.details if isinstance(exc.details, list) else []:
        if isinstance(detail, dict) and "line" in detail:
            err.print(f"  line {detail['line']}: {detail['message']}")
    return _fail(exc.message, 3 if isinstance(exc, ModelMissing) else 2)


# uvicorn's connection limits: an idle keep-alive connection is closed after 5 s and a request
# head (line and headers) may not grow past 16 KiB; a body trickling in is cut off by
# KAKEHASHI_BODY_READ_TIMEOUT (service.middleware). uvicorn has no timeout for a head sent
# slowly: in front of the open internet, put a proxy with one (nginx: client_header_timeout).
KEEP_ALIVE_SECONDS = 5
MAX_HEAD_BYTES = 16 * 1024


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="API processes sharing the port (each also runs KAKEHASHI_WORKER_THREADS "
            "worker threads); the embedded Redis is started once, by this process.",
        ),
    ] = 1,
    log_level: Annotated[
        str | None, typer.Option(help="Log level (default KAKEHASHI_LOG_LEVEL).")
    ] = None,
) -> None:
    """Run the API with worker threads (and an embedded Redis unless KAKEHASHI_REDIS_URL is set)."""
    import uvicorn

    from service import logs
    from service.app import create_app

    settings = _public_url(_settings(), host, port)
    level = (log_level or settings.log_level).lower()
    logs.configure(level.upper())
    console.print(f"kakehashi: data in {settings.data_dir}, listening on http://{host}:{port}")
    if workers == 1:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_config=None,
            log_level=level,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        )
        return
    _serve_processes(settings, host, port, workers, level)


def _serve_processes(settings: Settings, host: str, port: int, workers: int, level: str) -> None:
    """Several uvicorn processes on one port. This process migrates the store and starts the
    embedded Redis once; the children build their app from the environment, which is how
    uvicorn hands settings to the processes it spawns (so we write the resolved values there)."""
    import os

    import uvicorn

    from service import db
    from service.embedded_redis import EmbeddedRedis
    from service.migrate import prepare_store

    engine = db.make_engine(settings.resolved_database_url)
    try:
        prepare_store(engine)
    finally:
        engine.dispose()
    embedded = None
    redis_url = settings.redis_url
    if redis_url is None:
        embedded = EmbeddedRedis(settings.data_dir)
        redis_url = embedded.url
    os.environ.update(
        {
            "KAKEHASHI_REDIS_URL": redis_url,
            "KAKEHASHI_PUBLIC_URL": settings.public_url,
            "KAKEHASHI_LOG_LEVEL": level,
        }
    )
    try:
        uvicorn.run(
            "service.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            log_level=level,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        )
    finally:
        if embedded is not None:
            embedded.close()


@app.command()
def migrate() -> None:
    """Migrate the store of record to the newest schema and load the shipped glossary once.

    Safe to run at any time and from several processes at once (they take turns on a lock);
    `serve` and `worker` do the same on start, so this is for a one-shot deploy step.
    """
    from service import db
    from service.migrate import prepare_store

    settings = _settings()
    engine = db.make_engine(settings.resolved_database_url)
    try:
        seeded = prepare_store(engine)
        with engine.connect() as connection:
            from alembic.migration import MigrationContext

            head = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    console.print(
        f"database at revision {head}"
        + (f"; loaded {seeded} shipped glossary entries" if seeded else "")
    )


@app.command()
def worker(
    threads: Annotated[int, typer.Option(min=1, help="Worker threads in this process.")] = 2,
    heartbeat_file: Annotated[
        Path | None,
        typer.Option(
            help="Touch this file every few seconds while the worker is healthy (for a "
            "container healthcheck: kakehashi healthcheck --heartbeat-file FILE)."
        ),
    ] = None,
    log_level: Annotated[
        str | None, typer.Option(help="Log level (default KAKEHASHI_LOG_LEVEL).")
    ] = None,
) -> None:
    """Run translation workers alone, against the configured database and Redis."""
    from service import logs
    from service.runtime import Runtime
    from service.worker import WorkerPool

    settings = _settings()
    logs.configure((log_level or settings.log_level).upper())
    runtime = Runtime.start(settings)
    pool = WorkerPool(runtime, threads)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    pool.start()
    console.print(f"kakehashi worker: {threads} threads; Ctrl-C to stop")
    try:
        while not stop.wait(HEARTBEAT_SECONDS if heartbeat_file else None):
            if heartbeat_file is not None and pool.healthy():
                heartbeat_file.touch()
    finally:
        pool.stop()
        runtime.close()


HEARTBEAT_SECONDS = 5.0


@app.command()
def healthcheck(
    url: Annotated[
        str | None, typer.Option(help="An HTTP URL that must answer 200, e.g. /healthz.")
    ] = None,
    heartbeat_file: Annotated[
        Path | None, typer.Option(help="A worker's heartbeat file that must be fresh.")
    ] = None,
    max_age: Annotated[float, typer.Option(help="Seconds a heartbeat may be old.", min=1)] = 30.0,
) -> None:
    """Exit 0 when the API answers (--url) or a worker's heartbeat is fresh (--heartbeat-file);
    for container healthchecks."""
    import time
    import urllib.error
    import urllib.request

    if url is None and heartbeat_file is None:
        raise _fail("give --url or --heartbeat-file", 2)
    if heartbeat_file is not None:
        try:
            age = time.time() - heartbeat_file.stat().st_mtime
        except OSError as exc:
            raise _fail(f"no heartbeat at {heartbeat_file}: {exc.strerror}") from exc
        if age > max_age:
            raise _fail(f"heartbeat {heartbeat_file} is {age:.0f} s old (limit {max_age:.0f} s)")
    if url is not None:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                status = answer.status
        except (urllib.error.URLError, OSError) as exc:
            raise _fail(f"{url}: {exc}") from exc
        if status != 200:
            raise _fail(f"{url} answered {status}")
    console.print("healthy")


def _download(url: str, dest_dir: Path) -> Path:
    from translators.index import download

    with Progress(
        *Progress.get_default_columns()[:1],
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err,
    ) as progress:
        task = progress.add_task("downloading", total=None)

        def advance(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        return download(url, dest_dir, progress=advance)


@models_app.command("install")
def models_install(
    source: Annotated[
        str,
        typer.Argument(
            help="An .argosmodel file, an http(s) URL, or a pair like ja:en looked up in "
            "KAKEHASHI_MODEL_INDEX."
        ),
    ],
) -> None:
    """Install an argos-format model package (verified before anything is written)."""
    from translators.index import load_index, resolve
    from translators.package import PackageError, install

    settings = _settings()
    models_dir = settings.resolved_models_dir
    models_dir.mkdir(parents=True, exist_ok=True)
    pair = re.fullmatch(r"([a-z]{2,3}):([a-z]{2,3})", source)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if pair and not Path(source).exists():
                entry = resolve(load_index(settings.model_index), pair[1], pair[2])
                err.print(f"{entry.code} {entry.version} from {entry.links[0]}")
                archive = _download(entry.links[0], Path(tmp))
            elif source.startswith(("http://", "https://")):
                archive = _download(source, Path(tmp))
            else:
                archive = Path(source)
                if not archive.is_file():
                    raise _fail(f"no such file: {source}")
            package = install(archive, models_dir)
    except PackageError as exc:
        raise _fail(str(exc)) from exc
    console.print(
        f"installed {package.code} ({package.source} -> {package.target}) "
        f"version {package.version} in {package.path}"
    )


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """List installed model packages with their language pair and version."""
    from translators.package import list_installed

    settings = _settings()
    packages = list_installed(settings.resolved_models_dir, extra_dirs=settings.extra_model_dirs)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "code": p.code,
                        "source": p.source,
                        "target": p.target,
                        "version": p.version,
                        "path": str(p.path),
                    }
                    for p in packages
                ]
            )
        )
        return
    if not packages:
        console.print(f"no models installed in {settings.resolved_models_dir}")
        return
    table = Table("code", "pair", "version", "path")
    for p in packages:
        table.add_row(p.code, f"{p.source} -> {p.target}", p.version, str(p.path))
    console.print(table)


@models_app.command("remove")
def models_remove(
    code: Annotated[str, typer.Argument(help="Package code or pair, e.g. ja:en.")],
) -> None:
    """Remove an installed model package."""
    from translators.package import PackageError, remove

    settings = _settings()
    try:
        package = remove(settings.resolved_models_dir, code)
    except PackageError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"removed {package.code} version {package.version}")


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """One transaction on the store of record (migrated and seeded first, see
    `migrate.prepare_store`), committed on success; the engine is disposed either way."""
    from service import db
    from service.migrate import prepare_store

    engine = db.make_engine(settings.resolved_database_url)
    try:
        prepare_store(engine)
        sessions = db.make_sessionmaker(engine)
        with db.session_scope(sessions) as session:
            yield session
    finally:
        engine.dispose()


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="publisher, editor, partner or admin.")],
    name: Annotated[str, typer.Option(help="Who the key is for.")],
    language: Annotated[
        list[str] | None,
        typer.Option(help="Partner scope: a language it may read (repeat; default all)."),
    ] = None,
    section: Annotated[
        list[str] | None,
        typer.Option(help="Partner scope: a section it may read (repeat; default all)."),
    ] = None,
    include_needs_review: Annotated[
        bool, typer.Option(help="Partner sees translations flagged for review.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Create a key and print its token once; only a hash is stored."""
    from service.api_keys import KeyProblem, create_key

    try:
        with _session(_settings()) as session:
            row, token = create_key(
                session,
                name=name,
                role=role,
                languages=language,
                sections=section,
                include_needs_review=include_needs_review,
            )
            key_id = row.id
    except KeyProblem as exc:
        raise _fail(str(exc), 2) from exc
    if as_json:
        print(json.dumps({"id": key_id, "role": role, "name": name, "token": token}))
        return
    # The message goes to stderr, the token alone to stdout: TOKEN=$(kakehashi keys create ...)
    err.print(f"key {key_id} ({role}, {name}) created. Its token, shown only now:")
    print(token)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (never their tokens)."""
    from service.api_keys import list_keys

    with _session(_settings()) as session:
        table = Table("id", "name", "role", "token starts", "scope", "created", "revoked")
        for k in list_keys(session):
            scope = ",".join(k.languages or ["*"]) + " / " + ",".join(k.sections or ["*"])
            table.add_row(
                str(k.id),
                k.name,
                k.role,
                k.token_prefix + "…",
                scope,
                k.created_at.isoformat(timespec="seconds"),
                k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
            )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (see keys list).")],
) -> None:
    """Revoke a key; its token stops working at once."""
    from service.api_keys import KeyProblem, revoke_key

    try:
        with _session(_settings()) as session:
            revoke_key(session, key_id)
    except KeyProblem as exc:
        raise _fail(str(exc), 2) from exc
    console.print(f"key {key_id} revoked")


@app.command()
def translate(
    file: Annotated[str, typer.Argument(help="A UTF-8 text file, or - for standard input.")],
    source: Annotated[str, typer.Option("--from", help="Source language.")] = "ja",
    target: Annotated[str, typer.Option("--to", help="Target language.")] = "en",
    glossary: Annotated[
        list[str] | None, typer.Option(help="A glossary to enforce (repeat; default: all).")
    ] = None,
    no_glossary: Annotated[bool, typer.Option(help="Translate without any glossary.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print segments and reports as JSON.")
    ] = False,
) -> None:
    """Translate a text now with the installed model and the glossaries."""
    from service.engines import EngineRegistry
    from service.term_index import MatcherCache
    from translators.pipeline import translate_texts

    settings = _settings()
    if source != "ja":
        raise _fail("only Japanese (ja) sources are supported", 2)
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read {file}: {exc}", 2) from exc
    if not text.strip():
        raise _fail("the text is empty", 2)
    engine = EngineRegistry(settings).engine(target, source)
    if engine is None:
        raise _fail(f"no model installed for {source}:{target}; use 'kakehashi models install'", 3)
    matcher = None
    if not no_glossary:
        try:
            with _session(settings) as session:
                matcher = MatcherCache().for_names(session, glossary)
        except DomainError as exc:
            raise _domain_fail(exc) from exc
    [result] = translate_texts([text], engine=engine, matcher=matcher)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(result.paragraphs()))
        if result.needs_review:
            err.print("[yellow]needs review:[/yellow] some glossary terms are missing")


@glossary_app.command("list")
def glossary_list() -> None:
    """List the glossaries with their entry counts and versions."""
    from service import glossary_store

    table = Table("name", "entries", "version", "categories", "description")
    with _session(_settings()) as session:
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
        str, typer.Option(help="auto, deepl-tsv, aws-csv, kakehashi-tsv, ...")
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

    settings = _settings()
    editing = Editing(actor="cli", targets=settings.target_languages)  # the sweep sends the jobs
    try:
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task(f"reading {file.name}", total=None)
            text = file.read_text(encoding="utf-8-sig")
            progress.update(task, description="validating and applying")
            with _session(settings) as session:
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
        raise _fail(f"cannot read {file}: {exc}", 2) from exc
    except DomainError as exc:
        raise _domain_fail(exc) from exc
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
        str, typer.Option(help="deepl-tsv, aws-csv, kakehashi-tsv, ...")
    ] = "kakehashi-tsv",
    target_lang: Annotated[
        str | None, typer.Option(help="Target language (DeepL formats).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", help="File to write (default stdout).")
    ] = None,
) -> None:
    """Export a glossary as TSV/CSV."""
    from service import glossary_store

    try:
        with _session(_settings()) as session:
            text = glossary_store.export(session, glossary, format=format, target_lang=target_lang)
            count = glossary_store.entry_count(
                session, glossary_store.get_glossary(session, glossary)
            )
    except DomainError as exc:
        raise _domain_fail(exc) from exc
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {count} entries to {output}")


@app.command()
def backfill() -> None:
    """Create jobs for every published article missing a translation in a configured language."""
    from service import ingest

    settings = _settings()
    with _session(settings) as session, Progress(console=err) as progress:
        task = progress.add_task("checking articles", total=None)
        created = ingest.backfill(
            session,
            settings.target_languages,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    console.print(f"{created} jobs created; running services send them within a sweep interval")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
