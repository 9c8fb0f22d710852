"""Corrections (issue 23): a revision's note is translated with the article by the real worker
path (the glossary applies) and marked in every feed format and on the item page; ordinary
updates stay quiet."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.jobs.translate_job import run_job
from service.runtime import Runtime
from service.store.tables import Job
from tests.service.conftest import article, auth

pytestmark = pytest.mark.slow

NOTE = "拒否的抑止力の記述を訂正した。"
ITEM = "urn:kakehashi:article:fix:{}"


def run_en_jobs(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        ids = list(
            session.scalars(select(Job.id).where(Job.state == "queued", Job.target_lang == "en"))
        )
    for job_id in ids:
        run_job(runtime.jobs, job_id)


def json_item(client: TestClient, token: str, lang: str) -> dict[str, Any]:
    feed = json.loads(client.get(f"/feeds/{lang}.json", params={"token": token}).content)
    (item,) = [i for i in feed["items"] if i["id"] == ITEM.format(lang)]
    return dict(item)


def terms(entry: Any) -> set[str]:
    return {t["term"] for t in entry.get("tags", [])}


def test_a_correction_is_translated_and_shown_in_every_format(
    runtime: Runtime, installed_en: None, client: TestClient, tokens: dict[str, str]
) -> None:
    publisher, reader = auth(tokens["publisher"]), tokens["partner-review"]
    body = article("fix")
    client.post("/v1/articles", json=body, headers=publisher)
    run_en_jobs(runtime)
    before = json_item(client, reader, "en")
    assert "correction" not in before["_kakehashi"]

    fixed = {**body, "correction": NOTE, "change": "correction"}
    assert client.put("/v1/articles/fix", json=fixed, headers=publisher).status_code == 202
    run_en_jobs(runtime)
    item = json_item(client, reader, "en")
    note = item["_kakehashi"]["correction"]
    assert note["kind"] == "correction"
    assert "deterrence by denial" in note["note"]  # translated under the glossary
    assert "<strong>Correction:</strong>" in item["content_html"]
    assert datetime.fromisoformat(item["date_modified"]) > datetime.fromisoformat(
        before["date_modified"]
    )
    assert "correction" in item["tags"]
    for fmt in ("atom", "rss"):
        parsed = feedparser.parse(client.get(f"/feeds/en.{fmt}", params={"token": reader}).text)
        (entry,) = [e for e in parsed.entries if e.id == ITEM.format("en")]
        assert "correction" in terms(entry), fmt
        content = entry.content[0].value
        assert "deterrence by denial" in content, fmt
    original = json_item(client, reader, "ja")
    assert original["_kakehashi"]["correction"]["note"] == NOTE
    page = client.get("/articles/fix/en", params={"token": reader})
    assert "deterrence by denial" in page.text and "Correction" in page.text
    read = client.get("/v1/articles/fix/translations/en", headers=auth(reader)).json()
    assert read["change"] == "correction" and "deterrence by denial" in read["correction"]

    quiet = {**body, "body": f"{body['body']}\n\n追記。"}
    assert client.put("/v1/articles/fix", json=quiet, headers=publisher).status_code == 202
    run_en_jobs(runtime)
    item = json_item(client, reader, "en")
    assert "correction" not in item["_kakehashi"]
    assert "correction" not in item.get("tags", [])
    assert "Correction:" not in item["content_html"]


def test_a_correction_without_a_note_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(
        "/v1/articles",
        json=article("nonote", change="correction"),
        headers=auth(tokens["publisher"]),
    )
    assert response.status_code == 422
    assert "note" in response.text


def test_unchanged_content_keeps_its_hash_without_a_note() -> None:
    """Revisions stored before notes existed: the same content again is still no new work."""
    from service.articles.ingest import content_hash
    from service.schemas import ArticleContent

    plain = ArticleContent.model_validate({k: v for k, v in article().items() if k != "id"})
    before_notes = plain.model_dump(mode="json", exclude={"correction", "change"})
    canonical = json.dumps(before_notes, sort_keys=True, ensure_ascii=False)
    assert content_hash(plain) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    noted = plain.model_copy(update={"correction": "note"})
    assert content_hash(noted) != content_hash(plain)
