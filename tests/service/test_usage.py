"""Usage for licensing (issue 23): a scripted day of polling is counted exactly (fetches, 304s
on the hot path and the route, items delivered once each, page views), per key and language,
through Redis into the database; reported as JSON, CSV and by `kakehashi usage report`."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.access.api_keys import create_key
from service.cli import app
from service.runtime import Runtime
from service.store.db import session_scope
from service.store.tables import UsageDaily
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly

COUNTS = ("fetches", "not_modified", "items_delivered", "page_views")


def _rows(data: list[dict[str, object]]) -> dict[tuple[str, str], tuple[object, ...]]:
    return {(str(r["key"]), str(r["lang"])): tuple(r[c] for c in COUNTS) for r in data}


def test_a_scripted_day_of_polling_is_counted_exactly(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    with session_scope(runtime.sessions) as session:
        a_key, a = create_key(session, name="outlet-a", role="partner")
        b_key, b = create_key(session, name="outlet-b", role="partner")
    publisher = auth(tokens["publisher"])
    for n in (1, 2):
        client.post("/v1/articles", json=article(f"u{n}"), headers=publisher)
    translate_directly(runtime, "u1", "en")

    first = client.get("/feeds/ja.json", params={"token": a})  # u1, u2 reach A
    etag = {"If-None-Match": first.headers["etag"]}
    assert client.get("/feeds/ja.json", params={"token": a}, headers=etag).status_code == 304
    assert client.get("/feeds/ja.json", params={"token": a}, headers=etag).status_code == 304
    assert client.get("/feeds/ja.atom", params={"token": a}).status_code == 200  # no new item
    client.post("/v1/articles", json=article("u3"), headers=publisher)
    assert client.get("/feeds/ja.json", params={"token": a}, headers=etag).status_code == 200
    assert client.get("/feeds/en.json", headers=auth(a)).status_code == 200  # u1 in English
    for _ in range(2):
        assert client.get("/articles/u1/en", params={"token": a}).status_code == 200
    assert client.get("/articles/u2/ja", params={"token": a}).status_code == 200
    assert client.get("/feeds/ja.rss", params={"token": b}).status_code == 200

    today = datetime.now(UTC).date().isoformat()
    report = client.get(
        "/v1/usage", params={"from": today, "to": today}, headers=auth(tokens["admin"])
    )
    assert report.status_code == 200, report.text
    assert _rows(report.json()) == {
        ("outlet-a", "ja"): (5, 2, 3, 1),
        ("outlet-a", "en"): (1, 0, 1, 2),
        ("outlet-b", "ja"): (1, 0, 3, 0),
    }
    # Counted once: asking again adds nothing.
    again = client.get("/v1/usage", params={"from": today, "to": today}, headers=auth(a))
    assert _rows(again.json()) == {
        ("outlet-a", "ja"): (5, 2, 3, 1),
        ("outlet-a", "en"): (1, 0, 1, 2),
    }
    theirs = client.get(
        "/v1/usage", params={"from": today, "to": today, "key": b_key.id}, headers=auth(a)
    )
    assert theirs.status_code == 404  # a partner reads its own usage only
    as_csv = client.get(
        "/v1/usage",
        params={"from": today, "to": today, "key": a_key.id, "format": "csv"},
        headers=auth(tokens["admin"]),
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {(r["lang"], r["fetches"], r["items_delivered"]) for r in parsed} == {
        ("ja", "5", "3"),
        ("en", "1", "1"),
    }
    backwards = {"from": today, "to": (datetime.now(UTC).date() - timedelta(days=1)).isoformat()}
    assert client.get("/v1/usage", params=backwards, headers=auth(a)).status_code == 400

    settings = runtime.settings
    env = {
        "KAKEHASHI_DATA_DIR": str(settings.data_dir),
        "KAKEHASHI_DATABASE_URL": str(settings.database_url),
        "KAKEHASHI_REDIS_URL": str(settings.redis_url),
        "KAKEHASHI_ARGOS_PACKAGES_DIR": str(settings.argos_packages_dir),
    }
    cli = CliRunner().invoke(
        app, ["usage", "report", "--from", today, "--to", today, "--format", "json"], env=env
    )
    assert cli.exit_code == 0, cli.output
    assert _rows(json.loads(cli.stdout)) == _rows(report.json())


def test_usage_off_counts_nothing_and_old_days_are_dropped(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    with session_scope(runtime.sessions) as session:
        old = datetime.now(UTC).date() - timedelta(days=runtime.settings.usage_retention_days + 1)
        session.add(UsageDaily(key_id=1, day=old, lang="ja", fetches=1))
    runtime.usage.enabled = False
    client.get("/feeds/ja.json", params={"token": tokens["partner"]})
    runtime.usage.to_database()
    with session_scope(runtime.sessions) as session:
        assert session.query(UsageDaily).count() == 0
