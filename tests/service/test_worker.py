"""Workers on the real tiny CTranslate2 model: jobs run, translations land, feeds show them,
a missing model makes jobs wait, and installing it resumes them without a restart."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.runtime import Runtime
from service.store.tables import Translation
from service.web.app import create_app
from tests.service.conftest import article, auth
from translators.package import install
from translators.toymodel import build_package

pytestmark = pytest.mark.slow


@pytest.fixture
def working_client(runtime: Runtime, installed_en: None) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, worker_threads=2)) as test_client:
        yield test_client


def wait_for(
    client: TestClient,
    token: str,
    article_id: str,
    lang: str,
    states: set[str],
    timeout: float = 90.0,
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"/v1/articles/{article_id}", headers=auth(token)).json()
        language = status["languages"][lang]
        if language["state"] in states:
            return dict(language)
        if time.monotonic() > deadline:
            raise AssertionError(f"{lang} still {language['state']}: {status}")
        time.sleep(0.1)


def test_article_is_translated_and_served(
    working_client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    client = working_client
    # The random model's output needs review: read the feeds with a key that includes it.
    publisher, partner = tokens["publisher"], tokens["partner-review"]
    posted = client.post("/v1/articles", json=article(), headers=auth(publisher))
    assert posted.status_code == 202
    done = wait_for(client, publisher, "a-1", "en", {"done", "failed"})
    assert done["state"] == "done" and done["translated_revision"] == 1
    job = client.get(f"/v1/jobs/{done['job_id']}", headers=auth(partner)).json()
    assert job["started_at"] and job["finished_at"] and job["attempts"] == 1

    with runtime.sessions() as session:
        row = session.scalars(select(Translation).where(Translation.lang == "en")).one()
    body = row.report["body"]
    # Every source sentence gave one segment, in order, paragraphs kept.
    assert [seg["paragraph"] for seg in body["segments"]] == [0, 1, 1]
    assert body["segments"][1]["source"].startswith("マスカロフカ")
    assert row.body.count("\n\n") == 1
    # The glossary guarantee on the random-weight model: present, or flagged for review.
    for seg in body["segments"]:
        for term in seg["terms"]:
            assert term["present"] or row.needs_review
            if term["present"]:
                assert term["target"].lower() in seg["translation"].lower()
    terms = {t["source"] for seg in body["segments"] for t in seg["terms"]}
    assert {"マスカロフカ", "拒否的抑止力", "核の最後通告"} <= terms

    # The last-resort strategy holds every term on any model; what holds the random model's
    # translation back is its degenerate output, and the report says so.
    assert row.needs_review and "term-missing" not in row.report["review_reasons"]
    assert "truncated" in row.report["review_reasons"]
    assert "truncated" in row.report["body"]["review_reasons"]
    plain = client.get("/feeds/en.json", params={"token": tokens["partner"]})
    assert json.loads(plain.content)["items"] == []  # the default key does not see it
    feed = client.get("/feeds/en.json", params={"token": partner})
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/feed+json")
    items = json.loads(feed.content)["items"]
    assert [item["id"] for item in items] == ["urn:kakehashi:article:a-1:en"]
    assert items[0]["title"] == row.title
    atom = client.get("/feeds/en.atom", headers=auth(partner))
    parsed = feedparser.parse(atom.content)
    assert not parsed.bozo and parsed.entries[0].title == row.title

    # Conditional GET answers 304 with no body; a new translation changes the ETag.
    etag = feed.headers["etag"]
    again = client.get("/feeds/en.json", params={"token": partner}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    head = client.head("/feeds/en.json", params={"token": partner})
    assert head.status_code == 200 and head.headers["etag"] == etag
    client.delete("/v1/articles/a-1", headers=auth(publisher))
    after = client.get("/feeds/en.json", params={"token": partner})
    assert after.headers["etag"] != etag and json.loads(after.content)["items"] == []


def test_missing_model_waits_and_resumes_on_install(
    working_client: TestClient, tokens: dict[str, str], runtime: Runtime, tmp_path: Path
) -> None:
    client = working_client
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    waiting = wait_for(client, tokens["publisher"], "a-1", "fr", {"waiting-for-model"})
    assert waiting["state"] == "waiting-for-model"
    ready = client.get("/readyz")
    # en is served, so the service stays in the load balancer; fr is named with both routes.
    assert ready.status_code == 200, ready.text
    models = ready.json()["models"]
    assert ready.json()["ready"] is True and models["missing"] == ["ja:fr"]
    assert models["served"] == ["en"] and models["ok"] is False
    assert "kakehashi models install ja:fr" in models["hint"]
    assert "kakehashi models install en:fr" in models["hint"]  # the pivot through English
    assert wait_for(client, tokens["publisher"], "a-1", "en", {"done"})["state"] == "done"

    fr_zip = build_package(tmp_path / "fr", target="fr", seed=7)
    install(fr_zip, runtime.settings.resolved_models_dir)
    done = wait_for(client, tokens["publisher"], "a-1", "fr", {"done", "failed"})
    assert done["state"] == "done"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["models"]["missing"] == []
    job = client.get(f"/v1/jobs/{done['job_id']}", headers=auth(tokens["admin"])).json()
    assert job["attempts"] == 1  # waiting for the model did not count as a failed attempt


def test_pivot_through_english_and_html_bodies(
    working_client: TestClient, tokens: dict[str, str], runtime: Runtime, tmp_path: Path
) -> None:
    """fr has no ja->fr package but ja->en and en->fr exist: it goes through English, the
    glossary held at both steps; an HTML body keeps its blocks and links."""
    client = working_client
    install(
        build_package(tmp_path / "enfr", source="en", target="fr", seed=5),
        runtime.settings.resolved_models_dir,
    )
    ready = client.get("/readyz").json()["models"]
    assert ready["missing"] == [] and ready["routes"]["fr"] == ["ja", "en", "fr"]
    html = (
        "<h2>マスカロフカの歴史</h2><p>拒否的抑止力は<a href='https://example.jp/x'>重要だ</a>。"
        "<script>alert(1)</script></p><ul><li>第一点。</li><li>第二点。</li></ul>"
    )
    posted = client.post(
        "/v1/articles",
        json=article("html-1", body=html, format="html"),
        headers=auth(tokens["publisher"]),
    )
    assert posted.status_code == 202
    for lang in ("en", "fr"):
        assert (
            wait_for(client, tokens["publisher"], "html-1", lang, {"done", "failed"})["state"]
            == "done"
        )
    # The random model makes every translation need review: a key that includes those reads it.
    fr = client.get(
        "/v1/articles/html-1/translations/fr", headers=auth(tokens["partner-review"])
    ).json()
    assert fr["route"] == ["ja", "en", "fr"]
    assert fr["body"].startswith("<h2>") and 'href="https://example.jp/x"' in fr["body"]
    assert "<script" not in fr["body"] and fr["body"].count("<li>") == 2
    terms = [t for seg in fr["report"]["body"]["segments"] for t in seg["terms"]]
    assert {t["source"] for t in terms} >= {"マスカロフカ", "拒否的抑止力"}
    assert all(t["present"] for t in terms) or fr["needs_review"]
    for t in terms:
        if t["present"]:
            assert t["target"].lower() in fr["body"].lower()
    feed = json.loads(
        client.get("/feeds/fr.json", params={"token": tokens["partner-review"]}).content
    )
    item = feed["items"][0]
    assert "<h2>" in item["content_html"] and "https://example.jp/x" in item["content_html"]
    assert item["_kakehashi"]["route"] == ["ja", "en", "fr"]
    metrics = client.get("/metrics").text
    assert 'kakehashi_jobs{lang="fr",state="done"} 1' in metrics
    assert 'kakehashi_sentence_cache_total{result="miss"}' in metrics


def test_translate_endpoint_returns_text_and_review_reasons(
    client: TestClient, tokens: dict[str, str], installed_en: None
) -> None:
    text = "モスクワの遅延戦術はマスカロフカだ。\n\n拒否的抑止力が試されている。"
    answer = client.post(
        "/v1/translate", json={"text": text, "to": "en"}, headers=auth(tokens["editor"])
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert [s["paragraph"] for s in data["segments"]] == [0, 1]
    joined = "\n\n".join(s["translation"].strip() for s in data["segments"])
    assert data["text"] == joined and data["text"]
    # The random-weight model never ends a sentence: every one is cut at its own cap.
    assert data["needs_review"] is True and "truncated" in data["review_reasons"]
    assert all("truncated" in s["flags"] for s in data["segments"])
