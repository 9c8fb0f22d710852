"""The API the editor page leans on: who a token is, the impact of a change before saving it,
file uploads for import, and errors that name an entry carrying its id."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.runtime import Runtime
from service.tables import EntryRow, HistoryRow, Job
from tests.service.conftest import article, auth


def test_whoami_says_role_name_and_scopes(client: TestClient, tokens: dict[str, str]) -> None:
    me = client.get("/v1/whoami", headers=auth(tokens["editor"]))
    assert me.status_code == 200, me.text
    assert me.json() == {
        "name": "test editor",
        "role": "editor",
        "languages": None,
        "sections": None,
        "include_needs_review": False,
        "may_edit_glossaries": True,
    }
    partner = client.get("/v1/whoami", headers=auth(tokens["partner-fr"])).json()
    assert partner["role"] == "partner" and partner["languages"] == ["fr"]
    assert partner["may_edit_glossaries"] is False
    assert client.get("/v1/whoami", headers=auth(tokens["admin"])).json()["may_edit_glossaries"]
    missing = client.get("/v1/whoami")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert client.get("/v1/whoami", headers=auth("nope")).status_code == 401


def test_a_refused_role_is_named_with_the_right_article(
    client: TestClient, tokens: dict[str, str]
) -> None:
    refused = client.post(
        "/v1/glossaries", json={"name": "x"}, headers=auth(tokens["partner"])
    ).json()["error"]
    assert refused["message"] == "this needs an editor key; yours is a partner key"
    refused = client.post(
        "/v1/translate", json={"text": "あ", "to": "en"}, headers=auth(tokens["partner"])
    ).json()["error"]
    assert refused["message"] == "this needs an editor or publisher key; yours is a partner key"


def test_duplicate_term_error_gives_the_entry_id(
    client: TestClient, tokens: dict[str, str]
) -> None:
    editor = auth(tokens["editor"])
    found = client.get(
        "/v1/glossaries/security/entries", params={"q": "マスカロフカ"}, headers=editor
    ).json()["items"][0]
    again = client.post(
        "/v1/glossaries/security/entries",
        json={"source": "マスキロフカ", "targets": {"en": "x"}},
        headers=editor,
    )
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "duplicate_term"
    assert error["details"] == {
        "entry_id": found["id"],
        "entry_source": "マスカロフカ",
        "term": "マスキロフカ",
    }


def _entry(client: TestClient, editor: dict[str, str], q: str) -> dict[str, Any]:
    page = client.get("/v1/glossaries/security/entries", params={"q": q}, headers=editor).json()
    item: dict[str, Any] = page["items"][0]
    return item


def test_impact_counts_articles_using_the_term_and_those_a_new_alias_would_match(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    editor = auth(tokens["editor"])
    publisher = auth(tokens["publisher"])
    assert client.post("/v1/articles", json=article("a-1"), headers=publisher).status_code == 202
    other = article("a-2", title="別の記事", body="偽装工作の話。", summary=None)
    assert client.post("/v1/articles", json=other, headers=publisher).status_code == 202
    entry = _entry(client, editor, "マスカロフカ")
    url = f"/v1/glossaries/security/entries/{entry['id']}/impact"
    with runtime.sessions() as session:
        jobs_before = session.scalar(select(func.count()).select_from(Job))
        history_before = session.scalar(select(func.count()).select_from(HistoryRow))

    now = client.post(url, json={"targets": {"en": "maskirovka (deception)"}}, headers=editor)
    assert now.status_code == 200, now.text
    assert now.json() == {
        "articles": 1,
        "languages": ["en", "fr"],
        "jobs": 2,
        "first": [{"article_id": "a-1", "title": article()["title"]}],
        "using_now": 1,
        "would_match": 1,
    }
    wider = client.post(
        url,
        json={"aliases": [*entry["aliases"], "偽装工作"]},
        headers=editor,
    ).json()
    assert wider["articles"] == 2 and wider["would_match"] == 2 and wider["using_now"] == 1
    assert {a["article_id"] for a in wider["first"]} == {"a-1", "a-2"}
    drafted = client.post(url, json={"status": "draft"}, headers=editor).json()
    assert drafted["articles"] == 1 and drafted["would_match"] == 0  # it stops matching a-1

    # Asking changed nothing: no job, no history row, same revision.
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == jobs_before
        assert session.scalar(select(func.count()).select_from(HistoryRow)) == history_before
        assert session.get(EntryRow, entry["id"]).revision == entry["revision"]  # type: ignore[union-attr]

    # The answer matches what the save then does.
    etag = client.get(f"/v1/glossaries/security/entries/{entry['id']}", headers=editor).headers[
        "etag"
    ]
    saved = client.patch(
        f"/v1/glossaries/security/entries/{entry['id']}",
        json={"aliases": [*entry["aliases"], "偽装工作"]},
        headers={**editor, "If-Match": etag},
    ).json()
    assert saved["affected_articles"] == ["a-1", "a-2"] and len(saved["jobs"]) == wider["jobs"]


def test_impact_refuses_bad_input_and_other_roles(
    client: TestClient, tokens: dict[str, str]
) -> None:
    editor = auth(tokens["editor"])
    entry = _entry(client, editor, "マスカロフカ")
    url = f"/v1/glossaries/security/entries/{entry['id']}/impact"
    assert client.post(url, json={"source": None}, headers=editor).status_code == 422
    assert client.post(url, json={"colour": "red"}, headers=editor).status_code == 422
    assert client.post(url, json={}, headers=auth(tokens["partner"])).status_code == 403
    missing = client.post("/v1/glossaries/security/entries/abc123/impact", json={}, headers=editor)
    assert missing.status_code == 404
    assert (
        client.post("/v1/glossaries/nope/entries/abc/impact", json={}, headers=editor).status_code
        == 404
    )


DEEPL = "瀬戸際外交\tbrinkmanship\n架け橋外交\tbridge diplomacy\n"


def test_import_accepts_a_multipart_upload_like_a_raw_body(
    client: TestClient, tokens: dict[str, str]
) -> None:
    editor = auth(tokens["editor"])
    url = "/v1/glossaries/security/import"
    params = {"format": "deepl-tsv", "target_lang": "en", "dry_run": "true"}
    form = client.post(
        url, params=params, files={"file": ("terms.tsv", DEEPL.encode())}, headers=editor
    )
    raw = client.post(url, params=params, content=DEEPL.encode(), headers=editor)
    assert form.status_code == raw.status_code == 200, form.text
    assert form.json() == raw.json()
    assert sorted(e["source"] for e in form.json()["added"]) == sorted(["架け橋外交", "瀬戸際外交"])
    assert form.json()["applied"] is False
    # Detected format too: the multipart boundary lines are not read as CSV.
    auto = client.post(
        url,
        params={"target_lang": "en", "dry_run": "true"},
        files={"file": ("terms.tsv", DEEPL.encode(), "text/tab-separated-values")},
        headers=editor,
    )
    assert auto.status_code == 200, auto.text
    assert auto.json()["format"] == "deepl-tsv"

    applied = client.post(
        url,
        params={"format": "deepl-tsv", "target_lang": "en"},
        files={"file": ("terms.tsv", DEEPL.encode())},
        headers=editor,
    )
    assert applied.status_code == 200 and applied.json()["applied"] is True
    assert _entry(client, editor, "架け橋外交")["targets"] == {"en": "bridge diplomacy"}


def test_import_upload_errors_are_precise(client: TestClient, tokens: dict[str, str]) -> None:
    editor = auth(tokens["editor"])
    url = "/v1/glossaries/security/import"
    wrong_field = client.post(
        url, params={"target_lang": "en"}, files={"upload": ("t.tsv", b"a\tb\n")}, headers=editor
    )
    assert wrong_field.status_code == 422
    assert "'file'" in wrong_field.json()["error"]["message"]
    no_lang = client.post(
        url,
        params={"format": "deepl-tsv"},
        files={"file": ("t.tsv", DEEPL.encode())},
        headers=editor,
    )
    assert no_lang.status_code == 422
    assert "target_lang" in no_lang.json()["error"]["message"]
    broken = client.post(
        url,
        params={"format": "deepl-tsv", "target_lang": "en", "dry_run": "true"},
        files={"file": ("t.tsv", "瀬戸際外交\tbrinkmanship\n架け橋外交\t\n".encode())},
        headers=editor,
    )
    assert broken.status_code == 422
    assert broken.json()["error"]["details"][0]["line"] == 2
    malformed = client.post(
        url,
        params={"target_lang": "en"},
        content=b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
        headers={**editor, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert 400 <= malformed.status_code < 500
    assert _entry_count(client, editor, "架け橋外交") == 0


def _entry_count(client: TestClient, editor: dict[str, str], q: str) -> int:
    page = client.get("/v1/glossaries/security/entries", params={"q": q}, headers=editor).json()
    total: int = page["total"]
    return total
