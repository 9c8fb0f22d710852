"""The glossary import's preview (issue 22.3) and its summary answer (issue 19.8): per entry and
field before → after, the re-translation impact as a single edit shows it, bad lines with their
text, messages worded for the caller, and counts with one page of entries."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.runtime import Runtime
from service.tables import HistoryRow, Job
from tests.service.conftest import article, auth

IMPORT = "/v1/glossaries/desk/import"


def _setup(client: TestClient, tokens: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    editor = auth(tokens["editor"])
    client.post("/v1/glossaries", json={"name": "desk"}, headers=editor)
    entry = client.post(
        "/v1/glossaries/desk/entries",
        json={"source": "カケハシ工作", "targets": {"en": "maskirovka (just edited)"}},
        headers=editor,
    ).json()["entry"]
    return editor, entry


def _import(client: TestClient, editor: dict[str, str], text: str, **params: Any) -> dict[str, Any]:
    answer = client.post(
        IMPORT,
        params={"format": "deepl-tsv", "target_lang": "en", **params},
        content=text.encode(),
        headers={**editor, "content-type": "text/tab-separated-values"},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_preview_shows_before_and_after_and_the_impact(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    editor, entry = _setup(client, tokens)
    posted = client.post(
        "/v1/articles",
        json=article("m-1", title="カケハシ工作の教義", body="ロシアのカケハシ工作が続く。"),
        headers=auth(tokens["publisher"]),
    )
    assert posted.status_code == 202, posted.text
    with runtime.sessions() as session:
        jobs_before = session.scalar(select(func.count()).select_from(Job))
        history_before = session.scalar(select(func.count()).select_from(HistoryRow))

    dry = _import(
        client, editor, "カケハシ工作\tmaskirovka\n瀬戸際外交\tbrinkmanship\n", dry_run=True
    )
    assert dry["dry_run"] is True and dry["applied"] is False and dry["jobs"] == 0
    assert dry["counts"] == {"added": 1, "changed": 1, "removed": 0, "unchanged": 0}
    assert dry["changed"] == [
        {
            "source": "カケハシ工作",
            "entry_id": entry["id"],
            "fields": [
                {"field": "targets.en", "before": "maskirovka (just edited)", "after": "maskirovka"}
            ],
        }
    ]
    assert dry["added"] == [
        {
            "source": "瀬戸際外交",
            "entry_id": None,
            "fields": [{"field": "targets.en", "before": None, "after": "brinkmanship"}],
        }
    ]
    # The impact, as the single edit of the same rendering shows it.
    single = client.post(
        f"/v1/glossaries/desk/entries/{entry['id']}/impact",
        json={"targets": {"en": "maskirovka"}},
        headers=editor,
    ).json()
    impact = dry["impact"]
    assert impact["articles"] == single["articles"] == 1
    assert (
        impact["first"] == single["first"] == [{"article_id": "m-1", "title": "カケハシ工作の教義"}]
    )
    assert impact["using_now"] == single["using_now"] == 1
    assert impact["languages"] == list(runtime.settings.target_languages)
    assert impact["jobs"] == len(runtime.settings.target_languages)
    with runtime.sessions() as session:  # the dry run wrote nothing
        assert session.scalar(select(func.count()).select_from(Job)) == jobs_before
        assert session.scalar(select(func.count()).select_from(HistoryRow)) == history_before

    done = _import(client, editor, "カケハシ工作\tmaskirovka\n瀬戸際外交\tbrinkmanship\n")
    assert done["applied"] is True and done["dry_run"] is False
    assert done["jobs"] == impact["jobs"]
    assert done["changed"] == dry["changed"]


def test_a_note_only_change_re_translates_nothing(
    client: TestClient, tokens: dict[str, str]
) -> None:
    editor, _ = _setup(client, tokens)
    client.post(
        "/v1/articles",
        json=article("m-2", body="カケハシ工作が続く。"),
        headers=auth(tokens["publisher"]),
    )
    header = "source,aliases,dnt,case_sensitive,status,note,en\n"
    text = header + "カケハシ工作,,,,,a doctrine,maskirovka (just edited)\n"
    dry = _import(client, editor, text, format="kakehashi-csv", dry_run=True)
    assert dry["changed"][0]["fields"] == [{"field": "note", "before": "", "after": "a doctrine"}]
    assert dry["impact"]["articles"] == 0 and dry["impact"]["jobs"] == 0


def test_bad_lines_come_with_their_text(client: TestClient, tokens: dict[str, str]) -> None:
    editor, _ = _setup(client, tokens)
    answer = client.post(
        IMPORT,
        params={"format": "deepl-tsv", "target_lang": "en", "dry_run": True},
        content="停戦\tceasefire\n\tno source\n制裁\n".encode(),
        headers=editor,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"] == [
        {"line": 2, "message": "empty source", "text": "\tno source"},
        {"line": 3, "message": "expected 2 columns (source, target), found 1", "text": "制裁"},
    ]


def test_a_missing_target_language_names_the_api_field(
    client: TestClient, tokens: dict[str, str]
) -> None:
    editor, _ = _setup(client, tokens)
    answer = client.post(
        IMPORT, params={"format": "deepl-tsv"}, content="停戦\tceasefire\n".encode(), headers=editor
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "target_lang_required"
    assert error["details"] == {"field": "target_lang"}
    assert "target_lang parameter" in error["message"] and "--target-lang" not in error["message"]


def test_a_big_import_answers_counts_and_pages(client: TestClient, tokens: dict[str, str]) -> None:
    """Issue 19.8: a 200k-row import answered all 200k names."""
    editor, _ = _setup(client, tokens)
    text = "".join(f"用語{i:04d}\tterm{i:04d}\n" for i in range(250))
    first = _import(client, editor, text, dry_run=True, limit=100)
    assert first["counts"]["added"] == 250
    assert [e["source"] for e in first["added"]] == [f"用語{i:04d}" for i in range(100)]
    assert first["page"] == {"offset": 0, "limit": 100, "next_offset": 100}
    last = _import(client, editor, text, dry_run=True, limit=100, offset=200)
    assert [e["source"] for e in last["added"]] == [f"用語{i:04d}" for i in range(200, 250)]
    assert last["page"]["next_offset"] is None
    default = _import(client, editor, text)
    assert len(default["added"]) == 100 and default["counts"]["added"] == 250
    refused = client.post(
        IMPORT,
        params={"format": "deepl-tsv", "target_lang": "en", "limit": 0},
        content=text.encode(),
        headers=editor,
    )
    assert refused.status_code == 422
