"""Told, not polled: signed notices to the review desk and the CMS, delivered by the runtime's
thread after commit, retried with backoff, logged for operators; against a real local HTTP
server (http.server in a thread)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.access import signing
from service.access.api_keys import create_key
from service.jobs import notices
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from service.store.tables import Delivery, Job
from service.web.app import create_app
from tests.service.conftest import article, auth
from tests.service.helpers import Receiver, run_queued, wait_for
from tests.service.processes import free_port
from translators.package import install

SECRET = "n" * 40


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def told(
    settings: Settings, receiver: Receiver, tiny_package_zip: Path
) -> Iterator[tuple[Runtime, dict[str, str]]]:
    dead = free_port()  # nothing listens here
    configured = settings.model_copy(
        update={
            "target_languages": ("en",),
            "cms_webhook_url": receiver.url("/cms/hook"),
            "review_webhook_url": f"http://127.0.0.1:{dead}/review",
            "notice_secret": SECRET,
            "notice_backoff_seconds": 0.05,
            "notice_max_attempts": 3,
        }
    )
    configured = Settings.model_validate(configured.model_dump())
    runtime = Runtime.start(configured)
    install(tiny_package_zip, runtime.settings.resolved_models_dir)
    with session_scope(runtime.sessions) as session:
        made = {
            role: create_key(session, name=f"test {role}", role=role)[1]
            for role in ("publisher", "editor", "admin", "partner")
        }
    yield runtime, made
    runtime.close()


def test_notices_are_signed_retried_and_logged(
    told: tuple[Runtime, dict[str, str]], receiver: Receiver
) -> None:
    runtime, tokens = told
    receiver.fail_first["/cms/hook"] = 2  # the CMS is down for two attempts
    # A worker thread in this process runs the deliver actor (and may run the jobs too).
    with TestClient(create_app(runtime=runtime, worker_threads=1)) as client:
        client.post("/v1/articles", json=article("n-1"), headers=auth(tokens["publisher"]))
        run_queued(runtime)  # returns without waiting for any receiver
        wait_for(lambda: len(receiver.bodies("/cms/hook")) == 3, "the third attempt")
        admin = auth(tokens["admin"])

        def log(**params: str) -> list[dict[str, Any]]:
            response = client.get("/v1/deliveries", params=params, headers=admin)
            assert response.status_code == 200, response.text
            rows: list[dict[str, Any]] = response.json()
            return rows

        wait_for(lambda: [d["state"] for d in log(target="cms")] == ["delivered"], "delivered")
        wait_for(lambda: [d["state"] for d in log(target="review")] == ["failed"], "given up")
        [cms] = log(target="cms")
        assert (cms["attempts"], cms["last_status"], cms["event"]) == (3, 204, "needs_review")
        [review] = log(target="review")
        assert review["attempts"] == 3 and review["last_error"]

        # Every attempt carries the same body, signed like the CMS's own calls.
        bodies = receiver.bodies("/cms/hook")
        assert bodies[0] == bodies[1] == bodies[2]
        notice = bodies[0]
        assert (notice["event"], notice["article_id"], notice["lang"]) == (
            "needs_review",
            "n-1",
            "en",
        )
        assert notice["delivery_id"] == cms["id"] and notice["reasons"]
        for _, headers, body in receiver.received:
            signing.verify(
                SECRET, headers.get(signing.HEADER), "POST", "/cms/hook", body, time.time()
            )

        # An editor approves: the CMS is told the translation is done.
        client.post(
            "/v1/reviews/n-1/en/approve",
            headers={**auth(tokens["editor"]), "If-Match": "*"},
        )
        wait_for(lambda: len(receiver.bodies("/cms/hook")) == 4, "the done notice")
        done = receiver.bodies("/cms/hook")[3]
        assert (done["event"], done["approved_by"]) == ("done", "test editor")

        for role in ("partner", "editor", "publisher"):
            assert client.get("/v1/deliveries", headers=auth(tokens[role])).status_code == 403
        assert (
            client.get("/v1/deliveries", params={"state": "nope"}, headers=admin).status_code == 422
        )


def test_no_urls_no_notices(
    runtime: Runtime, client: TestClient, tokens: dict[str, str], installed_en: None
) -> None:
    client.post("/v1/articles", json=article("q-1"), headers=auth(tokens["publisher"]))
    run_queued(runtime)
    with runtime.sessions() as session:
        assert (
            session.scalar(
                select(Job.state).where(Job.article_id == "q-1", Job.target_lang == "en")
            )
            == "done"
        )
        assert session.scalars(select(Delivery)).all() == []


def test_articles_list_for_reconciliation(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    publisher = auth(tokens["publisher"])
    for i in range(5):
        client.post("/v1/articles", json=article(f"c-{i}"), headers=publisher)
    client.delete("/v1/articles/c-3", headers=publisher)
    first = client.get("/v1/articles", params={"limit": 2}, headers=publisher).json()
    assert [a["id"] for a in first["items"]] == ["c-0", "c-1"]
    assert set(first["items"][0]["languages"]) == {"en", "fr"}
    rest = client.get(
        "/v1/articles", params={"limit": 10, "cursor": first["next_cursor"]}, headers=publisher
    ).json()
    assert [a["id"] for a in rest["items"]] == ["c-2", "c-3", "c-4"] and rest["next_cursor"] is None
    retracted = client.get("/v1/articles", params={"status": "retracted"}, headers=publisher)
    assert [a["id"] for a in retracted.json()["items"]] == ["c-3"]
    with runtime.sessions() as session:
        job = session.scalars(select(Job).where(Job.article_id == "c-4")).first()
        assert job is not None
        since = job.updated_at
    later = client.get(
        "/v1/articles", params={"updated_since": since.isoformat()}, headers=publisher
    ).json()
    assert "c-4" in [a["id"] for a in later["items"]]
    future = client.get(
        "/v1/articles", params={"updated_since": "2999-01-01T00:00:00+00:00"}, headers=publisher
    ).json()
    assert future["items"] == []
    for params in (
        {"status": "gone"},
        {"updated_since": "yesterday"},
        {"limit": 0},
        {"updated_since": "2026-01-01T00:00:00"},
        {"cursor": "%%%"},
    ):
        response = client.get("/v1/articles", params=params, headers=publisher)
        assert 400 <= response.status_code < 500, (params, response.text)
    assert client.get("/v1/articles", headers=auth(tokens["partner"])).status_code == 403


def test_a_notice_survives_a_restart(settings: Settings, receiver: Receiver) -> None:
    """Issue 17.3: the notice is a row written with the change. The process that wrote it
    stops while the CMS is down (every attempt there fails); the next process with a worker
    delivers it, once, with the same delivery id."""
    configured = Settings.model_validate(
        settings.model_copy(
            update={
                "cms_webhook_url": receiver.url("/cms/hook"),
                "notice_backoff_seconds": 0.05,
                "notice_max_attempts": 50,
            }
        ).model_dump()
    )
    receiver.fail_first["/cms/hook"] = 10**6  # down while the first process lives
    first = Runtime.start(configured)
    try:
        with session_scope(first.sessions) as session:
            [row] = notices.record(
                session,
                configured,
                event=notices.DONE,
                article_id="r-1",
                lang="en",
                details={"revision": 1},
            )
        pool = first.worker_pool(1)
        pool.start()  # it tries, and fails, while the CMS is down
        wait_for(lambda: len(receiver.bodies("/cms/hook")) >= 1, "a first, failed attempt")
        pool.stop()
    finally:
        first.close()
    with first.sessions() as session:
        left = session.scalars(select(Delivery)).one()
        assert (left.state, left.last_status) == ("pending", 500)
    tried = len(receiver.bodies("/cms/hook"))
    receiver.fail_first["/cms/hook"] = 0  # the CMS is back
    second = Runtime.start(configured)
    pool = second.worker_pool(1)
    pool.start()
    try:

        def delivered() -> bool:
            with second.sessions() as session:
                return session.scalars(select(Delivery.state)).one() == "delivered"

        wait_for(delivered, "the notice delivered by the next process", timeout=90)
        bodies = receiver.bodies("/cms/hook")
        assert len(bodies) == tried + 1  # the one success, after the failed attempts
        assert {body["delivery_id"] for body in bodies} == {row.id}
    finally:
        pool.stop()
        second.close()
