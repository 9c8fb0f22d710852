"""A term edit flows to the feeds by itself: with 200 articles of which 3 use a term, editing the
term re-translates exactly those 3, and the engine sees only the sentences containing it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.access.api_keys import create_key
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from service.store.tables import Translation
from service.web.app import create_app
from tests.fakes import RecordingEngine
from tests.service.conftest import article, auth
from tests.service.helpers import RecordingRegistry, run_queued
from translators.package import install

pytestmark = pytest.mark.slow


@pytest.fixture
def english_only(settings: Settings) -> Settings:
    return settings.model_copy(update={"target_languages": ("en",)})


@pytest.fixture
def en_runtime(english_only: Settings) -> Iterator[Runtime]:
    rt = Runtime.start(english_only, engines=RecordingRegistry(english_only))
    yield rt
    rt.close()


@pytest.fixture
def tokens_en(en_runtime: Runtime, tiny_package_zip: Path) -> dict[str, str]:
    """The tiny ja->en package installed, and one token per role. The partner includes
    translations needing review: the random-weight model's output always needs review."""
    install(tiny_package_zip, en_runtime.settings.resolved_models_dir)
    with session_scope(en_runtime.sessions) as session:
        made = {
            role: create_key(session, name=f"test {role}", role=role)[1]
            for role in ("publisher", "editor")
        }
        made["partner"] = create_key(
            session, name="test partner", role="partner", include_needs_review=True
        )[1]
        return made


def test_editing_a_term_retranslates_only_its_sentences(
    en_runtime: Runtime, tokens_en: dict[str, str]
) -> None:
    runtime = en_runtime
    recorder = runtime.engines.engine("en")
    assert isinstance(recorder, RecordingEngine)
    with TestClient(create_app(runtime=runtime)) as client:
        editor, publisher = auth(tokens_en["editor"]), auth(tokens_en["publisher"])
        client.post("/v1/glossaries", json={"name": "desk"}, headers=editor)
        entry = client.post(
            "/v1/glossaries/desk/entries",
            headers=editor,
            json={"source": "瀬戸際外交", "targets": {"en": "brinkmanship"}},
        ).json()["entry"]
        users = {f"uses-{i}" for i in range(3)}
        for i in range(200):
            article_id = f"uses-{i}" if i < 3 else f"plain-{i}"
            term = "瀬戸際外交が続いている。" if i < 3 else "会談は予定通り行われた。"
            body = f"{term}\n\n記事番号{i}の第二段落は変わらない。"
            response = client.post(
                "/v1/articles",
                headers=publisher,
                json=article(
                    article_id,
                    title=f"見出し{i}",
                    body=body,
                    summary=None,
                    published_at=f"2026-01-27T{i % 24:02d}:{i % 60:02d}:00+09:00",
                ),
            )
            assert response.status_code == 202
        assert run_queued(runtime) == 200
        with runtime.sessions() as session:
            before = {t.article_id: t.updated_at for t in session.scalars(select(Translation))}
        feed_before = json.loads(
            client.get(
                "/feeds/en.json", params={"token": tokens_en["partner"], "limit": 200}
            ).content
        )

        recorder.inputs.clear()
        edited = client.patch(
            f"/v1/glossaries/desk/entries/{entry['id']}",
            headers={**editor, "If-Match": entry["etag"]},
            json={"targets": {"en": "brinksmanship"}},
        )
        assert edited.status_code == 200, edited.text
        assert set(edited.json()["affected_articles"]) == users
        assert len(edited.json()["jobs"]) == 3
        assert run_queued(runtime) == 3

        # Only the sentences containing the term reached the engine (whatever repair
        # strategy the random-weight model forced): no title, no untouched paragraph.
        assert recorder.inputs, "the edited term's sentences were not re-translated"
        for text in recorder.inputs:
            assert "見出し" not in text and "第二段落" not in text and "会談" not in text, text

        with runtime.sessions() as session:
            after = {t.article_id: t for t in session.scalars(select(Translation))}
        changed = {a for a, t in after.items() if t.updated_at != before[a]}
        assert changed == users
        for article_id in users:
            row = after[article_id]
            first = row.report["body"]["segments"][0]
            assert first["terms"][0]["target"] == "brinksmanship"
            assert first["terms"][0]["present"] or row.needs_review
            if first["terms"][0]["present"]:
                assert "brinksmanship" in first["translation"].lower()

        feed_after = json.loads(
            client.get(
                "/feeds/en.json", params={"token": tokens_en["partner"], "limit": 200}
            ).content
        )
        modified_before = {i["id"]: i["date_modified"] for i in feed_before["items"]}
        moved = {
            i["id"] for i in feed_after["items"] if i["date_modified"] != modified_before[i["id"]]
        }
        assert moved == {f"urn:kakehashi:article:{a}:en" for a in users}
