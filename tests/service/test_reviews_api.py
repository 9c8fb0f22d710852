"""The review queue and approval over HTTP, on the real tiny engine (whose translations always
need review): filters, paging, roles, precise refusals that change nothing, stale memory."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.runtime import Runtime
from service.store.tables import MemoryRow
from tests.service.conftest import article, auth
from tests.service.helpers import queue, run_queued


@pytest.fixture
def three(client: TestClient, tokens: dict[str, str], runtime: Runtime, installed_en: None) -> None:
    publisher = auth(tokens["publisher"])
    for article_id, category in (("r-1", "security"), ("r-2", "economy"), ("r-3", "security")):
        response = client.post(
            "/v1/articles", json=article(article_id, categories=[category]), headers=publisher
        )
        assert response.status_code == 202
        run_queued(runtime, "en")  # one at a time: oldest first is well defined


def test_queue_lists_oldest_first_with_filters_and_a_cursor(
    client: TestClient, tokens: dict[str, str], three: None
) -> None:
    editor = tokens["editor"]
    everything = queue(client, editor)
    assert [i["article_id"] for i in everything["items"]] == ["r-1", "r-2", "r-3"]
    assert everything["next_cursor"] is None
    for item in everything["items"]:
        assert item["reasons"], item
        assert item["flagged"] == [s["index"] for s in item["segments"] if s["flags"]]
        assert [s["index"] for s in item["segments"]] == list(range(len(item["segments"])))
    assert [i["article_id"] for i in queue(client, editor, category="security")["items"]] == [
        "r-1",
        "r-3",
    ]
    reason = everything["items"][0]["reasons"][0]
    assert len(queue(client, editor, reason=reason)["items"]) == 3
    assert queue(client, editor, reason="no-such-reason")["items"] == []
    assert queue(client, editor, lang="fr")["items"] == []
    first = queue(client, editor, limit=2)
    assert [i["article_id"] for i in first["items"]] == ["r-1", "r-2"]
    rest = queue(client, editor, limit=2, cursor=first["next_cursor"])
    assert [i["article_id"] for i in rest["items"]] == ["r-3"] and rest["next_cursor"] is None
    assert queue(client, tokens["admin"])["items"] == everything["items"]


@pytest.mark.parametrize("role", ["partner", "partner-review", "publisher"])
def test_only_editors_and_admins_review(
    client: TestClient, tokens: dict[str, str], three: None, role: str
) -> None:
    assert client.get("/v1/reviews", headers=auth(tokens[role])).status_code == 403
    approve = client.post("/v1/reviews/r-1/en/approve", headers=auth(tokens[role]))
    assert approve.status_code == 403
    assert client.get("/v1/reviews").status_code == 401


def test_bad_requests_are_precise_and_change_nothing(
    client: TestClient, tokens: dict[str, str], three: None
) -> None:
    editor = auth(tokens["editor"])
    before = queue(client, tokens["editor"])
    assert (
        client.get("/v1/reviews", params={"cursor": "garbage!"}, headers=editor).json()["error"][
            "code"
        ]
        == "bad_cursor"
    )
    assert client.get("/v1/reviews", params={"limit": 0}, headers=editor).status_code == 422
    cases = [
        ({"segments": [{"index": 999, "translation": "x"}]}, 422),
        ({"segments": [{"index": 0, "translation": "a"}, {"index": 0, "translation": "b"}]}, 422),
        ({"segments": [{"index": 0, "translation": ""}]}, 422),
        ({"segments": [{"index": -1, "translation": "x"}]}, 422),
        ({"segments": [{"index": 0, "translation": "x", "extra": 1}]}, 422),
        ({"unknown": []}, 422),
    ]
    for body, status in cases:
        response = client.post(
            "/v1/reviews/r-1/en/approve", json=body, headers={**editor, "If-Match": "*"}
        )
        assert response.status_code == status, (body, response.text)
    assert client.post("/v1/reviews/nope/en/approve", headers=editor).status_code == 404
    assert client.post("/v1/reviews/r-1/fr/approve", headers=editor).status_code == 409
    assert queue(client, tokens["editor"]) == before
    assert client.get("/v1/memory", headers=editor).json() == []
    assert client.get("/v1/reviews/r-1/en/history", headers=editor).json() == []


def test_approve_as_is_publishes_and_is_recorded(
    client: TestClient, tokens: dict[str, str], three: None
) -> None:
    editor = auth(tokens["editor"])
    waiting = queue(client, tokens["editor"])["items"][0]
    approved = client.post(
        "/v1/reviews/r-1/en/approve", headers={**editor, "If-Match": waiting["etag"]}
    )
    assert approved.status_code == 200 and approved.json()["corrected"] == 0
    again = client.post("/v1/reviews/r-1/en/approve", headers={**editor, "If-Match": "*"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_review"
    got = client.get("/v1/articles/r-1/translations/en", headers=auth(tokens["partner"]))
    assert got.status_code == 200 and got.json()["title"] == waiting["title"]
    [entry] = client.get("/v1/reviews/r-1/en/history", headers=editor).json()
    assert (entry["action"], entry["actor"]) == ("approve", "test editor")
    assert entry["details"]["reasons"] == waiting["reasons"]
    assert [i["article_id"] for i in queue(client, tokens["editor"])["items"]] == ["r-2", "r-3"]


def test_a_glossary_change_to_its_terms_makes_a_memory_entry_stale(
    client: TestClient, tokens: dict[str, str], runtime: Runtime, installed_en: None
) -> None:
    editor, publisher = auth(tokens["editor"]), auth(tokens["publisher"])
    client.post("/v1/glossaries", json={"name": "desk"}, headers=editor)
    entry = client.post(
        "/v1/glossaries/desk/entries",
        headers=editor,
        json={"source": "瀬戸際外交", "targets": {"en": "brinkmanship", "fr": "la corde raide"}},
    ).json()["entry"]
    body = "瀬戸際外交が続いている。\n\n会談は予定通り行われた。"
    client.post("/v1/articles", json=article("m-1", body=body), headers=publisher)
    run_queued(runtime, "en")
    item = queue(client, tokens["editor"])["items"][0]
    [target] = [s for s in item["segments"] if s["source"] == "瀬戸際外交が続いている。"]
    [other] = [s for s in item["segments"] if s["source"] == "会談は予定通り行われた。"]
    client.post(
        "/v1/reviews/m-1/en/approve",
        headers={**editor, "If-Match": item["etag"]},
        json={
            "segments": [
                {"index": target["index"], "translation": "Brinkmanship goes on."},
                {"index": other["index"], "translation": "The talks took place."},
            ]
        },
    )
    memory = {e["source"]: e for e in client.get("/v1/memory", headers=editor).json()}
    assert {k: v["stale"] for k, v in memory.items()} == {
        "瀬戸際外交が続いている。": False,
        "会談は予定通り行われた。": False,
    }
    # The French rendering changes: the English entry's terms are untouched, it stays fresh.
    entry = client.patch(
        f"/v1/glossaries/desk/entries/{entry['id']}",
        headers={**editor, "If-Match": entry["etag"]},
        json={"targets": {"en": "brinkmanship", "fr": "le bord du gouffre"}},
    ).json()["entry"]
    assert not any(e["stale"] for e in client.get("/v1/memory", headers=editor).json())
    # The English rendering changes: the entry made under the old one is stale, not applied.
    client.patch(
        f"/v1/glossaries/desk/entries/{entry['id']}",
        headers={**editor, "If-Match": entry["etag"]},
        json={"targets": {"en": "brinksmanship", "fr": "le bord du gouffre"}},
    )
    memory = {e["source"]: e for e in client.get("/v1/memory", headers=editor).json()}
    assert memory["瀬戸際外交が続いている。"]["stale"] is True
    assert memory["会談は予定通り行われた。"]["stale"] is False
    with runtime.sessions() as session:
        assert session.scalar(select(MemoryRow.stale).where(MemoryRow.source.contains("瀬戸際")))
    run_queued(runtime, "en")  # the re-translation the edit queued: not from the stale entry
    got = client.get("/v1/articles/m-1/translations/en", headers=auth(tokens["editor"])).json()
    strategies = {s["source"]: s["strategy"] for s in got["report"]["body"]["segments"]}
    assert strategies["瀬戸際外交が続いている。"] != "memory"
    assert strategies["会談は予定通り行われた。"] == "memory"


def test_tmx_import_is_all_or_nothing_with_line_numbers(
    client: TestClient, tokens: dict[str, str]
) -> None:
    editor = auth(tokens["editor"])
    bad = (
        b'<?xml version="1.0"?>\n<tmx version="1.4"><header srclang="ja"/><body>\n'
        b'<tu><tuv xml:lang="ja"><seg>one</seg></tuv><tuv xml:lang="en"><seg>1</seg></tuv></tu>\n'
        b'<tu><tuv xml:lang="ja"><seg>two</seg></tuv></tu>\n</body></tmx>'
    )
    refused = client.post("/v1/memory/import", headers=editor, content=bad)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"] == [
        {"line": 4, "message": "the <tu> has no translation"}
    ]
    assert client.get("/v1/memory", headers=editor).json() == []
    for content in (b"", b"not xml", b"\xff\xfe"):
        response = client.post("/v1/memory/import", headers=editor, content=content)
        assert response.status_code == 422, content
    partner = auth(tokens["partner"])
    assert client.post("/v1/memory/import", headers=partner, content=bad).status_code == 403
    assert client.get("/v1/memory/export", headers=partner).status_code == 403
    upload = client.post(
        "/v1/memory/import",
        headers=editor,
        files={
            "file": (
                "m.tmx",
                bad.replace(
                    b"<seg>two</seg></tuv>",
                    b'<seg>two</seg></tuv><tuv xml:lang="en"><seg>2</seg></tuv>',
                ),
            )
        },
    )
    assert upload.status_code == 200 and upload.json()["added"] == 2
    assert len(client.get("/v1/memory", headers=editor).json()) == 2
