"""The `kakehashi` command: serve, worker, migrate, healthcheck, models, keys, jobs, deliveries,
translate, glossary, backfill, usage. One module per group of commands; `_app` holds what they
share."""

from __future__ import annotations

from service.cli import backup, processes, translation
from service.cli._app import app
from service.cli.deliveries import deliveries_app
from service.cli.glossary import glossary_app
from service.cli.jobs import jobs_app
from service.cli.keys import keys_app
from service.cli.models import models_app
from service.cli.usage import usage_app

app.add_typer(models_app, name="models")
app.add_typer(keys_app, name="keys")
app.add_typer(glossary_app, name="glossary")
app.add_typer(jobs_app, name="jobs")
app.add_typer(usage_app, name="usage")
app.add_typer(deliveries_app, name="deliveries")

__all__ = ["app", "backup", "main", "processes", "translation"]


def main() -> None:
    app()
