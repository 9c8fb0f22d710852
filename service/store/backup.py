"""Backups of the store of record: a consistent online copy of a SQLite database and the list
of installed models, and the way back into an empty data dir.

SQLite: `sqlite3.Connection.backup` copies the database page by page under SQLite's own
locking, so a backup taken while the service writes is a consistent snapshot (a file copy of a
WAL database is not). The backup holds everything partners and editors depend on: articles,
translations, glossaries and their history, keys (hashed) and the link-signing secret, so
restored feeds and item links are the ones partners already have. Models are large files
installed from packages, so the backup lists them (pair, code, version) for reinstalling.

PostgreSQL is backed up with its own tools (`pg_dump --format=custom`, restored with
`pg_restore`; see README "Backups and upgrades"); `backup` says so instead of half-doing it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from service.errors import Conflict, Invalid
from service.settings import Settings
from translators.package import list_installed

DATABASE_FILE = "kakehashi.sqlite3"
MANIFEST_FILE = "backup.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    database_bytes: int
    models: list[dict[str, str]]


def _sqlite_path(settings: Settings) -> Path:
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise Invalid(
            f"kakehashi backup copies SQLite databases; this store is {url.get_backend_name()}: "
            "use pg_dump --format=custom (README: Backups and upgrades)",
            code="not_sqlite",
        )
    return Path(url.database)


def backup(settings: Settings, folder: Path) -> BackupReport:
    """Copy the live database into `folder` (new or empty) with a manifest of the models."""
    source = _sqlite_path(settings)
    if not source.is_file():
        raise Invalid(f"no database at {source}", code="no_database")
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise Conflict(f"{folder} is not empty; back up into a new folder", code="not_empty")
    target = folder / DATABASE_FILE
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy, pages=1024)  # in steps, so writers wait only for one step at a time
    models = [
        {"pair": p.pair, "code": p.code, "version": p.version}
        for p in list_installed(settings.resolved_models_dir)
    ]
    manifest = {
        "format": FORMAT_VERSION,
        "taken_at": datetime.now(UTC).isoformat(),
        "database": DATABASE_FILE,
        "models": models,
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return BackupReport(folder, target.stat().st_size, models)


def restore(settings: Settings, folder: Path) -> BackupReport:
    """Put a backup's database in place of the configured one, which must not exist yet (a
    restore never overwrites live data); the caller reinstalls the listed models."""
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        raise Invalid(f"{folder} holds no {MANIFEST_FILE}: not a kakehashi backup")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise Invalid(f"backup format {manifest.get('format')!r} is not {FORMAT_VERSION}")
    target = _sqlite_path(settings)
    if target.exists():
        raise Conflict(
            f"{target} exists; restore into an empty data dir (move the old one away first)",
            code="exists",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    source = folder / manifest["database"]
    with sqlite3.connect(source) as saved, sqlite3.connect(target) as fresh:
        saved.backup(fresh)
    with sqlite3.connect(target) as check:
        problems = check.execute("PRAGMA integrity_check").fetchone()[0]
    if problems != "ok":
        target.unlink()
        raise Invalid(f"the backup's database fails SQLite's integrity check: {problems}")
    return BackupReport(folder, target.stat().st_size, list(manifest["models"]))
