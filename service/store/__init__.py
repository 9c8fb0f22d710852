"""The store of record and its caches: engine and sessions, tables and
migrations, Redis keys and caches, the embedded Redis, backups."""
