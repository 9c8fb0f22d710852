"""`kakehashi models`: install, list and remove argos-format model packages."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from service.cli._app import console, err, fail, settings_or_exit

if TYPE_CHECKING:
    pass

models_app = typer.Typer(
    help="Install, list and remove argos-format translation models.", no_args_is_help=True
)


def _download(url: str, dest_dir: Path, allow_private: bool) -> Path:
    from translators.package_index import download

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

        return download(url, dest_dir, progress=advance, allow_private=allow_private)


@models_app.command("install")
def models_install(
    source: Annotated[
        str,
        typer.Argument(
            help="An .argosmodel file, an http(s) URL, or a pair like ja:en looked up in "
            "KAKEHASHI_MODEL_INDEX."
        ),
    ],
    allow_private: Annotated[
        bool,
        typer.Option(
            help="Also download from loopback, private and link-local addresses (an internal "
            "mirror); default KAKEHASHI_MODELS_ALLOW_PRIVATE."
        ),
    ] = False,
) -> None:
    """Install an argos-format model package (verified before anything is written)."""
    from translators.package import PackageError, install
    from translators.package_index import load_index, resolve

    settings = settings_or_exit()
    allow_private = allow_private or settings.models_allow_private
    models_dir = settings.resolved_models_dir
    models_dir.mkdir(parents=True, exist_ok=True)
    pair = re.fullmatch(r"([a-z]{2,3}):([a-z]{2,3})", source)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            expect = None
            if pair and not Path(source).exists():
                expect = (pair[1], pair[2])
                index = load_index(settings.model_index, allow_private=allow_private)
                entry = resolve(index, *expect)
                err.print(f"{entry.code} {entry.version} from {entry.links[0]}")
                archive = _download(entry.links[0], Path(tmp), allow_private)
            elif source.startswith(("http://", "https://")):
                archive = _download(source, Path(tmp), allow_private)
            else:
                archive = Path(source)
                if not archive.is_file():
                    raise fail(f"no such file: {source}")
            package = install(archive, models_dir, expect=expect)
    except PackageError as exc:
        raise fail(str(exc)) from exc
    console.print(
        f"installed {package.code} ({package.source} -> {package.target}) "
        f"version {package.version} in {package.path}"
    )


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """List the installed models (of KAKEHASHI_ENGINE's kind) with their pair and version."""
    from translators.providers import PROVIDERS

    settings = settings_or_exit()
    provider = PROVIDERS[settings.engine](settings.resolved_models_dir, settings.extra_model_dirs)
    packages = provider.installed()
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

    settings = settings_or_exit()
    try:
        package = remove(settings.resolved_models_dir, code)
    except PackageError as exc:
        raise fail(str(exc)) from exc
    console.print(f"removed {package.code} version {package.version}")
