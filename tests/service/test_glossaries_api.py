"""Editors' glossary API: CRUD with history and ETags, search, import/export, usage, suggestions."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.runtime import Runtime
from service.tables import EntryRow
from tests.service.conftest import article, auth

ENTRY = {
    "source": "瀬戸際外交",
    "targets": {"en": "brinkmanship", "fr": "politique du bord du gouffre"},
    "note": "North Korea coverage",
}


def _glossary(client: TestClient, tokens: dict[str, str], name: str = "desk") -> None:
    response = client.post(
        "/v1/glossaries",
        json={"name": name, "description": "desk terms"},
        headers=auth(tokens["editor"]),
    )
    assert response.status_code == 201, response.text


def test_shipped_glossary_is_loaded_on_first_start(
    client: TestClient, tokens: dict[str, str]
) -> None:
    listed = client.get("/v1/glossaries", headers=auth(tokens["publisher"])).json()
    security = next(g for g in listed if g["name"] == "security")
    assert security["entries"] >= 70
    found = client.get(
        "/v1/glossaries/security/entries",
        params={"q": "maskirovka"},
        headers=auth(tokens["publisher"]),
    ).json()
    assert found["total"] == 1 and found["items"][0]["source"] == "マスカロフカ"
    assert "マスキロフカ" in found["items"][0]["aliases"]


def test_entry_lifecycle_with_etags_and_history(client: TestClient, tokens: dict[str, str]) -> None:
    editor = auth(tokens["editor"])
    _glossary(client, tokens)
    created = client.post("/v1/glossaries/desk/entries", json=ENTRY, headers=editor)
    assert created.status_code == 201, created.text
    entry = created.json()["entry"]
    etag = created.headers["etag"]
    assert etag == entry["etag"]
    url = f"/v1/glossaries/desk/entries/{entry['id']}"

    assert client.patch(url, json={"note": "x"}, headers=editor).status_code == 428
    first = client.patch(
        url, json={"targets": {"en": "brinksmanship"}}, headers={**editor, "If-Match": etag}
    )
    assert first.status_code == 200, first.text
    # A second editor who read the same version loses the race with 412, not silently.
    second = client.patch(url, json={"note": "other edit"}, headers={**editor, "If-Match": etag})
    assert second.status_code == 412
    assert second.headers["etag"] == first.headers["etag"]
    current = client.get(url, headers=editor).json()
    assert current["targets"] == {"en": "brinksmanship"} and current["note"] == ENTRY["note"]

    history = client.get(url + "/history", headers=auth(tokens["publisher"])).json()
    assert [h["action"] for h in history] == ["update", "create"]
    assert history[0]["before"]["targets"]["en"] == "brinkmanship"
    assert history[0]["after"]["targets"]["en"] == "brinksmanship"
    assert history[0]["actor"] == "test editor"

    deleted = client.delete(url, headers={**editor, "If-Match": first.headers["etag"]})
    assert deleted.status_code == 200
    assert client.get(url, headers=editor).status_code == 404


def test_roles_and_bad_entries(client: TestClient, tokens: dict[str, str]) -> None:
    _glossary(client, tokens)
    editor = auth(tokens["editor"])
    assert (
        client.post(
            "/v1/glossaries/desk/entries", json=ENTRY, headers=auth(tokens["partner"])
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/v1/glossaries/desk/entries", json=ENTRY, headers=auth(tokens["publisher"])
        ).status_code
        == 403
    )
    bad_lang = {**ENTRY, "targets": {"english!": "x"}}
    assert (
        client.post("/v1/glossaries/desk/entries", json=bad_lang, headers=editor).status_code == 422
    )
    no_rendering = {"source": "用語"}
    assert (
        client.post("/v1/glossaries/desk/entries", json=no_rendering, headers=editor).status_code
        == 422
    )
    assert client.post("/v1/glossaries/desk/entries", json=ENTRY, headers=editor).status_code == 201
    duplicate = client.post("/v1/glossaries/desk/entries", json=ENTRY, headers=editor)
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "duplicate_term"
    assert client.post("/v1/glossaries/nope/entries", json=ENTRY, headers=editor).status_code == 404
    assert (
        client.post("/v1/glossaries", json={"name": "Bad Name"}, headers=editor).status_code == 422
    )
    assert client.post("/v1/glossaries", json={"name": "desk"}, headers=editor).status_code == 409


def test_search_and_paging(client: TestClient, tokens: dict[str, str]) -> None:
    reader = auth(tokens["publisher"])
    page1 = client.get(
        "/v1/glossaries/security/entries", params={"limit": 10}, headers=reader
    ).json()
    page2 = client.get(
        "/v1/glossaries/security/entries", params={"limit": 10, "offset": 10}, headers=reader
    ).json()
    assert page1["total"] == page2["total"] >= 70
    ids1 = {e["id"] for e in page1["items"]}
    ids2 = {e["id"] for e in page2["items"]}
    assert len(ids1) == len(ids2) == 10 and not ids1 & ids2


def test_import_validates_every_line_first(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    _glossary(client, tokens)
    editor = {**auth(tokens["editor"]), "content-type": "text/tab-separated-values"}
    bad = "瀬戸際外交\tbrinkmanship\n\tempty source\n核抑止\n"
    response = client.post(
        "/v1/glossaries/desk/import",
        params={"format": "deepl-tsv", "target_lang": "en"},
        content=bad.encode(),
        headers=editor,
    )
    assert response.status_code == 422
    lines = [d["line"] for d in response.json()["error"]["details"]]
    assert lines == [2, 3]
    with runtime.sessions() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(EntryRow).where(EntryRow.source == "瀬戸際外交")
            )
            == 0
        )

    good = "瀬戸際外交\tbrinkmanship\n核抑止\tnuclear deterrence\n"
    dry = client.post(
        "/v1/glossaries/desk/import",
        params={"format": "deepl-tsv", "target_lang": "en", "dry_run": True},
        content=good.encode(),
        headers=editor,
    ).json()
    assert dry["applied"] is False and dry["dry_run"] is True
    assert sorted(e["source"] for e in dry["added"]) == ["核抑止", "瀬戸際外交"]
    assert dry["counts"] == {"added": 2, "changed": 0, "removed": 0, "unchanged": 0}
    applied = client.post(
        "/v1/glossaries/desk/import",
        params={"format": "deepl-tsv", "target_lang": "en"},
        content=good.encode(),
        headers=editor,
    ).json()
    assert applied["applied"] is True and len(applied["added"]) == 2
    french = "瀬戸際外交\tpolitique du bord du gouffre\n"
    merged = client.post(
        "/v1/glossaries/desk/import",
        params={"format": "deepl-tsv", "target_lang": "fr"},
        content=french.encode(),
        headers=editor,
    ).json()
    assert [e["source"] for e in merged["changed"]] == ["瀬戸際外交"]
    assert merged["changed"][0]["fields"] == [
        {"field": "targets.fr", "before": None, "after": "politique du bord du gouffre"}
    ]
    for reader in ("partner", "publisher"):  # exports are for the glossary's editors
        refused = client.get(
            "/v1/glossaries/desk/export", params={"format": "aws-csv"}, headers=auth(tokens[reader])
        )
        assert refused.status_code == 403, reader
    exported = client.get(
        "/v1/glossaries/desk/export", params={"format": "aws-csv"}, headers=editor
    )
    assert exported.status_code == 200
    rows = {row["ja"]: row for row in csv.DictReader(io.StringIO(exported.text))}
    assert rows["瀬戸際外交"]["en"] == "brinkmanship"
    assert rows["瀬戸際外交"]["fr"] == "politique du bord du gouffre"
    assert rows["核抑止"]["fr"] == ""
    assert (
        client.post(
            "/v1/glossaries/desk/import", content=b"\xff\xfe\x00", headers=editor
        ).status_code
        == 400
    )


def test_usage_and_suggestions(client: TestClient, tokens: dict[str, str]) -> None:
    _glossary(client, tokens)
    editor = auth(tokens["editor"])
    violin = {"source": "バイオリン", "targets": {"en": "violin", "fr": "violon"}}
    entry = client.post("/v1/glossaries/desk/entries", json=violin, headers=editor).json()["entry"]
    body = "ヴァイオリンの演奏会が開かれた。\n\nバイオリン奏者が語った。ヴァイオリンは古い。"
    client.post(
        "/v1/articles", json=article("music-1", body=body), headers=auth(tokens["publisher"])
    )
    usage = client.get(f"/v1/glossaries/desk/entries/{entry['id']}/usage", headers=editor).json()
    assert usage == [
        {
            "article_id": "music-1",
            "revision": 1,
            "title": article()["title"],
            "sentences": ["バイオリン奏者が語った。"],
        }
    ]
    suggestions = client.get("/v1/glossaries/desk/suggestions", headers=editor).json()
    assert {
        "entry_id": entry["id"],
        "entry_source": "バイオリン",
        "spelling": "ヴァイオリン",
        "count": 2,
        "reason": "kana-folding",
    } in suggestions
    accepted = client.post(
        "/v1/glossaries/desk/suggestions/accept",
        json={"entry_id": entry["id"], "spelling": "ヴァイオリン"},
        headers=editor,
    )
    assert accepted.status_code == 200
    assert accepted.json()["entry"]["aliases"] == ["ヴァイオリン"]
    assert accepted.json()["affected_articles"] == ["music-1"]
    usage = client.get(f"/v1/glossaries/desk/entries/{entry['id']}/usage", headers=editor).json()
    assert len(usage[0]["sentences"]) == 3


def test_category_change_and_deletion_retranslate_the_articles_concerned(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    from service.tables import Job

    editor = auth(tokens["editor"])
    _glossary(client, tokens)
    entry = client.post("/v1/glossaries/desk/entries", json=ENTRY, headers=editor).json()["entry"]
    client.post(
        "/v1/articles",
        json=article("n-1", body="瀬戸際外交が続く。"),
        headers=auth(tokens["publisher"]),
    )
    usage_url = f"/v1/glossaries/desk/entries/{entry['id']}/usage"
    assert [u["article_id"] for u in client.get(usage_url, headers=editor).json()] == ["n-1"]

    def glossary_jobs() -> int:
        with runtime.sessions() as session:
            return int(
                session.scalar(
                    select(func.count()).select_from(Job).where(Job.reason == "glossary")
                )
                or 0
            )

    narrowed = client.patch("/v1/glossaries/desk", json={"categories": ["economy"]}, headers=editor)
    assert narrowed.status_code == 200 and narrowed.json()["categories"] == ["economy"]
    assert client.get(usage_url, headers=editor).json() == []  # security articles: not ours
    assert glossary_jobs() == 2  # n-1 in en and fr, now without the term
    history = client.get("/v1/glossaries/desk/history", headers=editor).json()
    assert history[0]["action"] == "update-glossary"
    assert history[0]["after"]["categories"] == ["economy"]

    client.patch("/v1/glossaries/desk", json={"categories": None}, headers=editor)
    assert glossary_jobs() == 4
    assert client.delete("/v1/glossaries/desk", headers=editor).status_code == 204
    assert glossary_jobs() == 6
    assert client.get("/v1/glossaries/desk", headers=editor).status_code == 404


def test_deleting_a_glossary_keeps_its_history_and_frees_its_name(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    from service.tables import HistoryRow

    editor = auth(tokens["editor"])
    _glossary(client, tokens)
    entry = client.post("/v1/glossaries/desk/entries", json=ENTRY, headers=editor).json()["entry"]
    assert client.delete("/v1/glossaries/desk", headers=editor).status_code == 204

    with runtime.sessions() as session:
        rows = session.scalars(
            select(HistoryRow).where(HistoryRow.glossary_name == "desk").order_by(HistoryRow.id)
        ).all()
        kept = [(r.action, r.entry_id, r.glossary_id) for r in rows]
    assert kept == [
        ("create-glossary", None, None),
        ("create", entry["id"], None),
        ("delete-glossary", None, None),
    ]
    assert rows[-1].actor == "test editor" and rows[-1].before == {
        "name": "desk",
        "entries": 1,
        "version": 2,
    }

    _glossary(client, tokens)  # the name is free again, with a history of its own
    fresh = client.get("/v1/glossaries/desk/history", headers=editor).json()
    assert [h["action"] for h in fresh] == ["create-glossary"]
