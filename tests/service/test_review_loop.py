"""The review desk's whole loop over HTTP (issue 14's done-when test): a translation needing
review (the random tiny model's always do) is listed in the queue, a segment is corrected and
approved, a default partner's feed shows the corrected text, a second article with the same
sentence takes it from memory without the engine seeing it, and the memory's TMX export
re-imports into a fresh instance with the same entries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient

from service.access.api_keys import create_key
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from service.store.redis_keys import SENTENCE_CACHE_PREFIX
from service.web.app import create_app
from tests.fakes import RecordingEngine
from tests.service.conftest import _fresh_database, article, auth
from tests.service.helpers import RecordingRegistry, run_queued
from translators.package import install

pytestmark = pytest.mark.slow

SENTENCE = "瀬戸際外交が続いている。"
CORRECTED = "The brinkmanship goes on, the desk writes."


@pytest.fixture
def desk(settings: Settings, tiny_package_zip: Path) -> Iterator[tuple[Runtime, dict[str, str]]]:
    english = settings.model_copy(update={"target_languages": ("en",)})
    runtime = Runtime.start(english, engines=RecordingRegistry(english))
    install(tiny_package_zip, runtime.settings.resolved_models_dir)
    with session_scope(runtime.sessions) as session:
        made = {
            role: create_key(session, name=f"test {role}", role=role)[1]
            for role in ("publisher", "editor", "partner", "admin")
        }
        made["partner-review"] = create_key(
            session, name="reviewing", role="partner", include_needs_review=True
        )[1]
    yield runtime, made
    runtime.close()


def feed_items(client: TestClient, token: str) -> dict[str, dict[str, Any]]:
    response = client.get("/feeds/en.json", params={"token": token})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = json.loads(response.content)["items"]
    return {item["id"].split(":")[3]: item for item in items}


def segment_of(item: dict[str, Any], source: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in item["segments"] if s["source"] == source]
    assert len(found) == 1, item["segments"]
    return found[0]


def test_flagged_translation_goes_round_the_review_loop(
    desk: tuple[Runtime, dict[str, str]], tmp_path: Path, settings: Settings
) -> None:
    runtime, tokens = desk
    recorder = runtime.engines.engine("en")
    assert isinstance(recorder, RecordingEngine)
    editor, publisher = auth(tokens["editor"]), auth(tokens["publisher"])
    with TestClient(create_app(runtime=runtime)) as client:
        client.post("/v1/glossaries", json={"name": "desk"}, headers=editor)
        entry = client.post(
            "/v1/glossaries/desk/entries",
            headers=editor,
            json={"source": "瀬戸際外交", "targets": {"en": "brinkmanship"}},
        ).json()["entry"]
        body = f"{SENTENCE}\n\n会談は予定通り行われた。"
        posted = client.post(
            "/v1/articles",
            headers=publisher,
            json=article("first", title="外交の行方", body=body, summary=None),
        )
        assert posted.status_code == 202
        assert run_queued(runtime) == 1

        # Needing review: default partners see nothing (there never was a good version);
        # a key including such items sees it, marked in all three formats.
        assert "first" not in feed_items(client, tokens["partner"])
        assert (
            client.get("/v1/articles/first/translations/en", headers=auth(tokens["partner"]))
        ).status_code == 404
        flagged = feed_items(client, tokens["partner-review"])["first"]
        assert flagged["_kakehashi"]["needs_review"] is True
        atom = feedparser.parse(
            client.get("/feeds/en.atom", params={"token": tokens["partner-review"]}).content
        )
        assert {"term": "needs-review", "scheme": "urn:kakehashi:review", "label": None} in (
            atom.entries[0].tags
        )
        rss = client.get("/feeds/en.rss", params={"token": tokens["partner-review"]}).text
        assert '<category domain="urn:kakehashi:review">needs-review</category>' in rss

        # The queue: editors only.
        assert client.get("/v1/reviews", headers=auth(tokens["partner"])).status_code == 403
        queue = client.get("/v1/reviews", params={"lang": "en"}, headers=editor).json()
        assert [(i["article_id"], i["lang"]) for i in queue["items"]] == [("first", "en")]
        item = queue["items"][0]
        assert item["reasons"] and item["flagged"]
        target = segment_of(item, SENTENCE)
        assert target["part"] == "body"
        assert [t["entry_id"] for t in target["terms"]] == [entry["id"]]

        # Correct that segment and approve.
        approved = client.post(
            "/v1/reviews/first/en/approve",
            headers={**editor, "If-Match": item["etag"]},
            json={"segments": [{"index": target["index"], "translation": CORRECTED}]},
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["corrected"] == 1 and approved.json()["remembered"] == 1
        assert client.get("/v1/reviews", headers=editor).json()["items"] == []
        history = client.get("/v1/reviews/first/en/history", headers=editor).json()
        assert [(h["action"], h["actor"]) for h in history] == [("correct", "test editor")]
        assert history[0]["details"]["corrections"][0]["after"] == CORRECTED

        # A default partner now sees the corrected text, in the feed and the translation.
        published = feed_items(client, tokens["partner"])["first"]
        assert CORRECTED in published["content_html"]
        assert published["_kakehashi"]["needs_review"] is False
        got = client.get("/v1/articles/first/translations/en", headers=auth(tokens["partner"]))
        assert got.status_code == 200 and CORRECTED in got.json()["body"]

        # A second article with the same sentence: from memory, the engine never sees it
        # (the sentence cache is emptied first, so only the memory can spare the engine).
        cached = list(runtime.redis.scan_iter(match=f"{SENTENCE_CACHE_PREFIX}*"))
        assert cached
        runtime.redis.delete(*cached)
        recorder.inputs.clear()
        client.post(
            "/v1/articles",
            headers=publisher,
            json=article(
                "second", title="続報", body=f"新しい段落である。\n\n{SENTENCE}", summary=None
            ),
        )
        assert run_queued(runtime) == 1
        assert recorder.inputs, "the engine translated the other sentences"
        assert not [s for s in recorder.inputs if "続いている" in s], recorder.inputs
        second = client.get(
            "/v1/articles/second/translations/en", headers=auth(tokens["partner-review"])
        ).json()
        remembered = [s for s in second["report"]["body"]["segments"] if s["source"] == SENTENCE]
        assert [(s["strategy"], s["translation"]) for s in remembered] == [("memory", CORRECTED)]
        assert "term-missing" not in remembered[0]["flags"]

        # The memory out as TMX, and into a fresh instance.
        exported = client.get("/v1/memory/export", headers=editor)
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("application/x-tmx+xml")
        entries = client.get("/v1/memory", headers=editor).json()
        assert [(e["source"], e["translation"], e["lang"]) for e in entries] == [
            (SENTENCE, CORRECTED, "en")
        ]

    with _fresh_database(tmp_path / "fresh") as fresh_url:
        fresh_settings = settings.model_copy(
            update={"database_url": fresh_url, "data_dir": tmp_path / "fresh-data"}
        )
        fresh = Runtime.start(fresh_settings)
        try:
            with session_scope(fresh.sessions) as session:
                token = create_key(session, name="other editor", role="editor")[1]
            with TestClient(create_app(runtime=fresh)) as other:
                dry = other.post(
                    "/v1/memory/import",
                    params={"dry_run": "true"},
                    headers=auth(token),
                    content=exported.content,
                )
                assert dry.status_code == 200, dry.text
                assert dry.json()["applied"] is False and dry.json()["added"] == 1
                assert other.get("/v1/memory", headers=auth(token)).json() == []
                done = other.post(
                    "/v1/memory/import", headers=auth(token), content=exported.content
                )
                assert done.json()["applied"] is True
                assert other.get("/v1/memory", headers=auth(token)).json() == entries
        finally:
            fresh.close()
