"""Bring the store of record up to date: Alembic migrations, then the shipped glossary, once.

Every process that uses the database (`kakehashi migrate`, `serve`, `worker`, the CLI) calls
`prepare_store` on start. It runs under `db.migration_lock`, so processes started at the same
moment on a fresh database take turns: the first migrates and seeds, the others find the schema
at head and a glossary already there, and do nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from service.glossary.store import seed_shipped
from service.store import db

log = logging.getLogger(__name__)


def prepare_store(engine: Engine) -> int:
    """Migrate to the newest schema and load the shipped glossaries on first start.

    Returns how many shipped entries were loaded (0 once any glossary ever existed).
    """
    with db.migration_lock(engine):
        db.migrate(engine)
        with db.session_scope(db.make_sessionmaker(engine)) as session:
            seeded = seed_shipped(session)
    if seeded:
        log.info("loaded the shipped glossaries: %d entries", seeded)
    return seeded
