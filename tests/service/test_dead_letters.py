"""Issue 19 item 9: a notice gave up after 8 attempts (~254 s) and a receiver down for five
minutes lost those notices for good; `deliveries` was never pruned. Now a notice that used up
its attempts is a dead letter an admin lists and re-sends (API and CLI), and delivered rows
are pruned after KAKEHASHI_DELIVERY_RETENTION_DAYS. Against a real local HTTP receiver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from service.access.api_keys import create_key
from service.cli import app as cli
from service.jobs import notices
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from service.store.tables import Delivery, utcnow
from service.web.app import create_app
from tests.service.conftest import article, auth
from tests.service.helpers import Receiver, run_queued, wait_for
from translators.package import install

pytestmark = pytest.mark.fault


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def told(
    settings: Settings, receiver: Receiver, tiny_package_zip: Path
) -> Iterator[tuple[Runtime, dict[str, str]]]:
    configured = settings.model_copy(
        update={
            "target_languages": ("en",),
            "cms_webhook_url": receiver.url("/cms/hook"),
            "notice_backoff_seconds": 0.05,
            "notice_max_attempts": 2,
        }
    )
    runtime = Runtime.start(Settings.model_validate(configured.model_dump()))
    install(tiny_package_zip, runtime.settings.resolved_models_dir)
    with session_scope(runtime.sessions) as session:
        made = {r: create_key(session, name=r, role=r)[1] for r in ("publisher", "admin")}
    yield runtime, made
    runtime.close()


def test_a_dead_letter_is_listed_and_sent_again(
    told: tuple[Runtime, dict[str, str]], receiver: Receiver
) -> None:
    runtime, tokens = told
    admin = auth(tokens["admin"])
    receiver.fail_first["/cms/hook"] = 2  # down for both attempts
    with TestClient(create_app(runtime=runtime, worker_threads=1)) as client:
        client.post("/v1/articles", json=article("d-1"), headers=auth(tokens["publisher"]))
        run_queued(runtime)

        def dead() -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = client.get(
                "/v1/deliveries", params={"state": "failed"}, headers=admin
            ).json()
            return rows

        wait_for(lambda: len(dead()) == 1, "a dead letter")
        [letter] = dead()
        assert letter["attempts"] == 2 and letter["last_error"] == "HTTP 500"
        resent = client.post(f"/v1/deliveries/{letter['id']}/resend", headers=admin)
        assert resent.status_code == 202, resent.text
        assert resent.json() == {"resent": [letter["id"]]}
        wait_for(lambda: len(receiver.bodies("/cms/hook")) == 3, "the re-sent notice")

        def state() -> str:
            rows = client.get("/v1/deliveries", headers=admin).json()
            return str(rows[0]["state"])

        wait_for(lambda: state() == "delivered", "delivered")
        bodies = receiver.bodies("/cms/hook")
        assert bodies[-1]["delivery_id"] == letter["id"]  # the receiver de-duplicates on it
        assert client.post("/v1/deliveries/resend", headers=admin).json() == {"resent": []}
        assert client.post("/v1/deliveries/999/resend", headers=admin).status_code == 404
        partner_less = client.post(f"/v1/deliveries/{letter['id']}/resend")
        assert partner_less.status_code == 401


def test_delivered_notices_are_pruned_after_the_retention(runtime: Runtime) -> None:
    now = utcnow()
    with session_scope(runtime.sessions) as session:
        for n, (state, age) in enumerate(
            [("delivered", 40), ("delivered", 5), ("failed", 40), ("pending", 40)]
        ):
            session.add(
                Delivery(
                    target="cms",
                    url="http://cms.example/hook",
                    event="done",
                    article_id=f"p-{n}",
                    lang="en",
                    payload={},
                    state=state,
                    attempts=1,
                    next_attempt_at=now,
                    created_at=now - timedelta(days=age),
                    delivered_at=now - timedelta(days=age) if state == "delivered" else None,
                )
            )
    with session_scope(runtime.sessions) as session:
        assert notices.prune(session, runtime.settings.delivery_retention_days, now) == 1
        left = sorted(session.scalars(select(Delivery.article_id)))
    assert left == ["p-1", "p-2", "p-3"]  # dead letters and pending ones are never pruned


def test_cli_lists_and_resends_dead_letters(runtime: Runtime, database_url: str) -> None:
    now = utcnow()
    with session_scope(runtime.sessions) as session:
        row = Delivery(
            target="cms",
            url="http://cms.example/hook",
            event="failed",
            article_id="c-1",
            lang="fr",
            payload={},
            state="failed",
            attempts=8,
            last_error="ConnectError: refused",
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        session.flush()
        delivery_id = row.id
    env = {
        "KAKEHASHI_DATA_DIR": str(runtime.settings.data_dir),
        "KAKEHASHI_DATABASE_URL": database_url,
    }
    runner = CliRunner()
    listed = runner.invoke(cli, ["deliveries", "list", "--state", "failed", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert '"c-1"' in listed.stdout
    resent = runner.invoke(cli, ["deliveries", "resend", "--all-failed"], env=env)
    assert resent.exit_code == 0, resent.output
    assert f"notice {delivery_id}: pending" in resent.stdout
    with session_scope(runtime.sessions) as session:
        stored = session.get(Delivery, delivery_id)
        assert stored is not None and (stored.state, stored.attempts) == ("pending", 0)
        session.execute(update(Delivery).values(state="pending"))
    again = runner.invoke(cli, ["deliveries", "resend", str(delivery_id)], env=env)
    assert again.exit_code == 1 and "still pending" in again.output
