"""The review desk's decisions over HTTP on the real tiny engine: two editors of one translation
get a conflict (If-Match, 428/412), reject keeps the last published text, re-translate queues a
job, HTML body sentences are corrected with their markup kept, the filters come with counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.review import queue as review_queue
from service.review.html_corrections import SentenceNotFound, correct_html
from service.runtime import Runtime
from service.store.tables import Job, ReviewQueueRow, ReviewTagRow
from tests.service.conftest import article, auth
from tests.service.helpers import queue, run_queued


@pytest.fixture
def waiting(
    client: TestClient, tokens: dict[str, str], runtime: Runtime, installed_en: None
) -> None:
    publisher = auth(tokens["publisher"])
    for article_id, category in (("d-1", "security"), ("d-2", "economy")):
        sent = client.post(
            "/v1/articles", json=article(article_id, categories=[category]), headers=publisher
        )
        assert sent.status_code == 202
        run_queued(runtime, "en")


def first(client: TestClient, token: str, article_id: str = "d-1") -> dict[str, Any]:
    items = queue(client, token)["items"]
    found: dict[str, Any] = next(i for i in items if i["article_id"] == article_id)
    return found


def test_two_editors_of_one_translation_get_a_conflict_not_an_overwrite(
    client: TestClient, tokens: dict[str, str], waiting: None
) -> None:
    editor = auth(tokens["editor"])
    item = first(client, tokens["editor"])
    one = client.get("/v1/reviews/d-1/en", headers=editor)
    assert one.status_code == 200 and one.headers["ETag"] == item["etag"]
    path = "/v1/reviews/d-1/en/approve"
    missing = client.post(path, headers=editor)
    assert missing.status_code == 428
    stale = client.post(path, headers={**editor, "If-Match": '"r1.0000"'})
    assert stale.status_code == 412 and stale.headers["ETag"] == item["etag"]
    # Editor A approves with a correction; editor B, who read the same version, is refused.
    body = {"segments": [{"index": item["flagged"][0], "translation": "A's sentence."}]}
    done = client.post(path, json=body, headers={**editor, "If-Match": item["etag"]})
    assert done.status_code == 200, done.text
    admin = auth(tokens["admin"])
    late = client.post("/v1/reviews/d-1/en/reject", headers={**admin, "If-Match": item["etag"]})
    assert late.status_code == 409 and late.json()["error"]["code"] == "nothing_to_review"
    history = client.get("/v1/reviews/d-1/en/history", headers=editor).json()
    assert [h["action"] for h in history] == ["correct"]


def test_reject_keeps_the_last_published_text_and_leaves_the_queue(
    client: TestClient, tokens: dict[str, str], waiting: None
) -> None:
    editor = auth(tokens["editor"])
    item = first(client, tokens["editor"])
    rejected = client.post(
        "/v1/reviews/d-1/en/reject",
        json={"note": "garbled"},
        headers={**editor, "If-Match": item["etag"]},
    )
    assert rejected.status_code == 200, rejected.text
    assert [i["article_id"] for i in queue(client, tokens["editor"])["items"]] == ["d-2"]
    # Never published: a default partner still has nothing for it.
    got = client.get("/v1/articles/d-1/translations/en", headers=auth(tokens["partner"]))
    assert got.status_code == 404
    [entry] = client.get("/v1/reviews/d-1/en/history", headers=editor).json()
    assert (entry["action"], entry["details"]["note"]) == ("reject", "garbled")
    bad = client.post("/v1/reviews/d-2/en/reject", json={"x": 1}, headers=editor)
    assert bad.status_code == 422


def test_retranslate_queues_one_job_and_the_new_translation_takes_the_place(
    client: TestClient, tokens: dict[str, str], runtime: Runtime, waiting: None
) -> None:
    editor = auth(tokens["editor"])
    asked = client.post("/v1/reviews/d-1/en/retranslate", headers=editor)
    assert asked.status_code == 202 and len(asked.json()["jobs"]) == 1
    with runtime.sessions() as session:
        job = session.get(Job, asked.json()["jobs"][0])
        assert job is not None and (job.article_id, job.target_lang) == ("d-1", "en")
    run_queued(runtime, "en")
    assert sorted(i["article_id"] for i in queue(client, tokens["editor"])["items"]) == [
        "d-1",
        "d-2",
    ]
    nothing = client.post("/v1/reviews/d-1/fr/retranslate", headers=editor)
    assert nothing.status_code == 409
    assert client.post("/v1/reviews/zz/en/retranslate", headers=editor).status_code == 404


def test_filters_come_with_counts_and_run_on_the_queue_tables(
    client: TestClient, tokens: dict[str, str], runtime: Runtime, waiting: None
) -> None:
    editor = auth(tokens["editor"])
    facets = client.get("/v1/reviews/facets", headers=editor).json()
    assert facets["total"] == 2 and facets["langs"] == {"en": 2}
    assert facets["categories"] == {"economy": 1, "security": 1}
    assert facets["reasons"] and all(n >= 1 for n in facets["reasons"].values())
    assert (
        client.get("/v1/reviews/facets", params={"lang": "fr"}, headers=editor).json()["reasons"]
        == {}
    )
    assert (
        client.get("/v1/reviews/facets", params={"lang": "x!"}, headers=editor).status_code == 422
    )
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ReviewQueueRow)) == 2
        tags = set(session.scalars(select(ReviewTagRow.tag)))
    assert {"category:economy", "category:security"} <= tags
    economy = queue(client, tokens["editor"], category="economy")["items"]
    assert [i["article_id"] for i in economy] == ["d-2"]


def test_an_html_body_sentence_is_corrected_with_its_markup_kept(
    client: TestClient, tokens: dict[str, str], runtime: Runtime, installed_en: None
) -> None:
    editor, publisher = auth(tokens["editor"]), auth(tokens["publisher"])
    html = (
        '<p>核の期限が<a href="https://example.jp/x">切れた</a>。</p><p><em>戦術</em>である。</p>'
    )
    sent = client.post(
        "/v1/articles", json=article("h-1", body=html, format="html"), headers=publisher
    )
    assert sent.status_code == 202
    run_queued(runtime, "en")
    item = first(client, tokens["editor"], "h-1")
    body = [s for s in item["segments"] if s["part"] == "body"]
    assert body, item
    target = body[-1]
    approved = client.post(
        "/v1/reviews/h-1/en/approve",
        json={"segments": [{"index": target["index"], "translation": "It is a tactic."}]},
        headers={**editor, "If-Match": item["etag"]},
    )
    assert approved.status_code == 200, approved.text
    got = client.get("/v1/articles/h-1/translations/en", headers=auth(tokens["partner"])).json()
    assert "It is a tactic." in got["body"] or "tactic" in got["body"]
    assert 'href="https://example.jp/x"' in got["body"] and "<p>" in got["body"]


def test_correct_html_maps_the_edit_onto_the_text_nodes() -> None:
    html = '<p>The deadline <a href="/x">passed</a> today.</p><p>Second one.</p>'
    sentences = ["The deadline passed today.", "Second one."]
    out = correct_html(html, sentences, {0: "The deadline has passed today."})
    assert out == '<p>The deadline has <a href="/x">passed</a> today.</p><p>Second one.</p>'
    out = correct_html(html, sentences, {1: "Second sentence."})
    assert out.endswith("<p>Second sentence.</p>") and '<a href="/x">passed</a>' in out
    # Words of the link replaced: the link keeps its place and its new words.
    out = correct_html(html, sentences, {0: "The deadline expired today."})
    assert '<a href="/x">' in out and "expired" in out and "passed" not in out
    with pytest.raises(SentenceNotFound):
        correct_html(html, ["Not in it."], {0: "x"})


def test_a_pivoted_translation_shows_the_step_between(
    client: TestClient, tokens: dict[str, str], runtime: Runtime, waiting: None
) -> None:
    """A French translation made through English carries each sentence's English step (the
    same revision's English translation), so the editor sees where an error came from."""
    from service.jobs.translate_job import StoredText, record_translation
    from service.store.db import session_scope
    from service.store.tables import Revision, Translation, utcnow

    with session_scope(runtime.sessions) as session:
        english = session.scalars(
            select(Translation).where(Translation.article_id == "d-1", Translation.lang == "en")
        ).one()
        revision = session.get(Revision, english.revision_id)
        assert revision is not None
        report = json.loads(json.dumps(english.report))
        for part in ("title", "summary", "body"):
            for segment in report[part]["segments"]:
                segment["translation"] = "FR " + segment["translation"]
        record_translation(
            session,
            runtime.settings.target_languages,
            StoredText(
                article_id="d-1",
                revision_id=revision.id,
                lang="fr",
                title="FR " + english.title,
                summary=None,
                body="FR",
                body_format="text",
                report=report,
                needs_review=True,
                route=["ja", "en", "fr"],
                model="test@1",
            ),
            utcnow(),
        )
        expected = [s["translation"] for s in review_queue.flat_segments(english.report)]
    [item] = queue(client, tokens["editor"], lang="fr")["items"]
    assert item["route"] == ["ja", "en", "fr"]
    assert [s["pivot"] for s in item["segments"]] == expected
    assert all(s["translation"].startswith("FR ") for s in item["segments"])
    direct = first(client, tokens["editor"])
    assert all(s["pivot"] is None for s in direct["segments"])


def test_memory_entries_are_searched_edited_and_deleted_by_id(
    client: TestClient, tokens: dict[str, str], waiting: None
) -> None:
    editor = auth(tokens["editor"])
    item = first(client, tokens["editor"])
    target = item["segments"][item["flagged"][0]]
    done = client.post(
        "/v1/reviews/d-1/en/approve",
        json={"segments": [{"index": target["index"], "translation": "Remembered."}]},
        headers={**editor, "If-Match": item["etag"]},
    )
    assert done.status_code == 200
    [entry] = client.get("/v1/memory", params={"q": "Remembered"}, headers=editor).json()
    assert client.get("/v1/memory", params={"q": "nothing like it"}, headers=editor).json() == []
    changed = client.patch(
        f"/v1/memory/{entry['id']}", json={"translation": "Better."}, headers=editor
    )
    assert changed.status_code == 200 and changed.json()["translation"] == "Better."
    assert client.patch(f"/v1/memory/{entry['id']}", json={}, headers=editor).status_code == 422
    assert (
        client.patch("/v1/memory/0", json={"translation": "x"}, headers=editor).status_code == 422
    )
    missing = client.patch("/v1/memory/999999", json={"translation": "x"}, headers=editor)
    assert missing.status_code == 404
    assert client.delete(f"/v1/memory/{entry['id']}", headers=editor).status_code == 204
    assert client.delete(f"/v1/memory/{entry['id']}", headers=editor).status_code == 404
    assert client.get("/v1/memory", headers=editor).json() == []


def test_an_admin_sees_what_a_partner_key_would_get(
    client: TestClient, tokens: dict[str, str], waiting: None
) -> None:
    admin = auth(tokens["admin"])
    assert client.get("/v1/partner-view", headers=auth(tokens["editor"])).status_code == 403
    keys = {k["name"]: k for k in client.get("/v1/partner-view", headers=admin).json()}
    drafts = next(k for k in keys.values() if k["include_needs_review"])
    feed = client.get(f"/v1/partner-view/{drafts['id']}/en", headers=admin).json()
    assert len(feed["items"]) == 2 and not feed["more"]
    assert all(i["needs_review"] for i in feed["items"])
    plain = next(k for k in keys.values() if not k["include_needs_review"] and not k["languages"])
    assert client.get(f"/v1/partner-view/{plain['id']}/en", headers=admin).json()["items"] == []
    french = next(k for k in keys.values() if k["languages"] == ["fr"])
    assert client.get(f"/v1/partner-view/{french['id']}/en", headers=admin).status_code == 404
    assert client.get("/v1/partner-view/999999/en", headers=admin).status_code == 404
    assert client.get("/v1/partner-view/1/e!", headers=admin).status_code == 422


def _stored_report(runtime: Runtime, article_id: str, change: dict[str, Any]) -> None:
    """Overwrite the stored report's top-level fields (None: remove one), as an older or a
    newer kakehashi would have stored it."""
    from service.store.db import session_scope
    from service.store.tables import Translation

    with session_scope(runtime.sessions) as session:
        t = session.scalars(select(Translation).where(Translation.article_id == article_id)).one()
        report = {**t.report, **change}
        t.report = {k: v for k, v in report.items() if v is not None}


def _report_of(runtime: Runtime, article_id: str) -> dict[str, Any]:
    from service.store.tables import Translation

    with runtime.sessions() as session:
        stored: dict[str, Any] = session.scalars(
            select(Translation.report).where(Translation.article_id == article_id)
        ).one()
    return stored


def test_a_report_stored_before_versions_is_approved_and_written_as_the_current_one(
    client: TestClient, tokens: dict[str, str], runtime: Runtime, waiting: None
) -> None:
    from translators.report import VERSION

    _stored_report(runtime, "d-1", {"version": None})
    assert "version" not in _report_of(runtime, "d-1")
    editor = auth(tokens["editor"])
    item = first(client, tokens["editor"])
    index = item["flagged"][0]
    done = client.post(
        "/v1/reviews/d-1/en/approve",
        json={"segments": [{"index": index, "translation": "Read from version 1."}]},
        headers={**editor, "If-Match": item["etag"]},
    )
    assert done.status_code == 200, done.text
    assert done.json()["item"]["segments"][index]["translation"] == "Read from version 1."
    stored = _report_of(runtime, "d-1")
    assert stored["version"] == VERSION
    assert stored["approved"]["reasons"] == item["reasons"] and stored["review_reasons"] == []
    assert all(not stored[part]["needs_review"] for part in ("title", "summary", "body"))


def test_a_report_of_a_newer_version_is_refused_and_left_as_stored(
    client: TestClient, tokens: dict[str, str], runtime: Runtime, waiting: None
) -> None:
    from translators.report import VERSION

    _stored_report(runtime, "d-1", {"version": VERSION + 1})
    before = _report_of(runtime, "d-1")
    editor = auth(tokens["editor"])
    item = first(client, tokens["editor"])
    for action in ("approve", "reject"):
        refused = client.post(
            f"/v1/reviews/d-1/en/{action}", headers={**editor, "If-Match": item["etag"]}
        )
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "report_version" and "newer" in error["message"]
    assert _report_of(runtime, "d-1") == before
    assert client.get("/v1/reviews/d-1/en/history", headers=editor).json() == []
