"""What the service serves is safe to show and what it accepts can be stored (issue 11, rows 6,
7, 8 and the bidi part of 13), in both CI configurations (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service import reviews
from service.db import session_scope
from service.jobs import StoredText, record_translation
from service.runtime import Runtime
from service.tables import Article, EntryRow, GlossaryRow, Revision, Translation, utcnow
from tests.service.conftest import article, auth

HOSTILE_HTML = (
    '<p onclick="steal()">Hello <img src="https://x.example/a.png" onerror="steal()">'
    '<a href="javascript:steal()">link</a><script>steal()</script>'
    '<a href="https://ok.example/">ok</a></p>'
)


def _store_html_translation(runtime: Runtime, article_id: str, lang: str) -> None:
    """A hostile HTML translation stored the way a finished job stores one."""
    with session_scope(runtime.sessions) as session:
        revision = session.scalars(select(Revision).where(Revision.article_id == article_id)).one()
        record_translation(
            session,
            runtime.settings.target_languages,
            StoredText(
                article_id=article_id,
                revision_id=revision.id,
                lang=lang,
                title="t",
                summary=None,
                body=HOSTILE_HTML,
                body_format="html",
                report={},
                needs_review=False,
                route=["ja", lang],
                model="test@1",
            ),
            utcnow(),
        )
        stored = session.scalars(
            select(Translation).where(
                Translation.revision_id == revision.id, Translation.lang == lang
            )
        ).one()
        reviews.publish(session, stored, revision.number)  # what default partners see


def test_translation_html_is_sanitized_like_the_feeds(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    """Row 6: `GET .../translations/{lang}` returned onerror, onclick and javascript: as
    stored; the feeds stripped them."""
    body = article("h-1", body="<p>本文</p>", format="html")
    assert client.post("/v1/articles", json=body, headers=auth(tokens["publisher"])).is_success
    _store_html_translation(runtime, "h-1", "en")
    for role in ("partner", "publisher", "admin"):
        out = client.get("/v1/articles/h-1/translations/en", headers=auth(tokens[role])).json()
        assert out["format"] == "html"
        html = out["body"]
        for bad in ("onclick", "onerror", "javascript:", "<script", "steal()"):
            assert bad not in html, (role, bad, html)
        assert 'href="https://ok.example/"' in html and "Hello" in html
    feed = client.get("/feeds/en.json", params={"token": tokens["partner"]}).json()
    assert feed["items"][0]["content_html"].endswith(out["body"])  # one sanitizer for both


@pytest.mark.parametrize(
    "title",
    [
        "見出し\u202eevil\u202c",
        "\u2066見出し\u2069 evil",
        "見出し\u202devil",
        "見出し\u202aevil\u202b",
        "見出し\x85\u2028evil",
    ],
)
def test_bidi_overrides_and_controls_leave_titles_at_ingest(
    client: TestClient, tokens: dict[str, str], runtime: Runtime, title: str
) -> None:
    """Row 13: U+202E survived into feed titles."""
    publisher = auth(tokens["publisher"])
    posted = client.post("/v1/articles", json=article("b-1", title=title), headers=publisher)
    assert posted.status_code == 202, posted.text
    stored = client.get("/v1/articles/b-1", headers=publisher).json()["title"]
    assert stored.replace(" ", "") == "見出しevil"
    with session_scope(runtime.sessions) as session:
        revision = session.scalars(select(Revision).where(Revision.article_id == "b-1")).one()
        assert revision.title == stored
    ja = client.get("/feeds/ja.json", params={"token": tokens["partner"]}).json()
    assert [item["title"] for item in ja["items"]] == [stored]


NUL_CASES = [
    ("POST", "/v1/glossaries", {"name": "n1", "description": "a\x00b"}),
    ("POST", "/v1/glossaries", {"name": "n2", "categories": ["a\x00"]}),
    ("PATCH", "/v1/glossaries/desk", {"description": "x\x00"}),
    ("POST", "/v1/glossaries/desk/entries", {"source": "核\x00抑止"}),
    ("POST", "/v1/glossaries/desk/entries", {"source": "核抑止", "targets": {"en": "a\x00"}}),
    ("POST", "/v1/glossaries/desk/entries", {"source": "核抑止", "targets": {"en": "\u202ex"}}),
    ("POST", "/v1/glossaries/desk/entries", {"source": "核抑止", "aliases": ["か\x07"]}),
    ("POST", "/v1/glossaries/desk/entries", {"source": "核抑止", "note": "n\x00"}),
    ("POST", "/v1/glossaries/desk/suggestions/accept", {"entry_id": "ab", "spelling": "\x00"}),
    ("POST", "/v1/translate", {"text": "本\x00文", "to": "en"}),
]


@pytest.mark.parametrize(("method", "url", "body"), NUL_CASES)
def test_nul_and_controls_in_glossary_text_get_422_and_store_nothing(
    client: TestClient,
    tokens: dict[str, str],
    runtime: Runtime,
    method: str,
    url: str,
    body: dict[str, object],
) -> None:
    """Row 7: on PostgreSQL a NUL in a rendering was accepted (201) and then failed every
    article using the term; a NUL in a source or description gave 500."""
    editor = auth(tokens["editor"])
    assert client.post("/v1/glossaries", json={"name": "desk"}, headers=editor).is_success
    before = _glossary_state(runtime)
    answer = client.request(method, url, json=body, headers=editor)
    assert answer.status_code == 422, answer.text
    assert "control or bidi-override character" in answer.text
    assert _glossary_state(runtime) == before


def test_nul_in_an_entry_patch_and_a_search(client: TestClient, tokens: dict[str, str]) -> None:
    editor = auth(tokens["editor"])
    client.post("/v1/glossaries", json={"name": "desk"}, headers=editor)
    created = client.post(
        "/v1/glossaries/desk/entries",
        json={"source": "架空の用語", "status": "draft"},
        headers=editor,
    ).json()["entry"]
    url = f"/v1/glossaries/desk/entries/{created['id']}"
    patched = client.patch(
        url,
        json={"targets": {"en": "nuclear\x00"}},
        headers={**editor, "If-Match": created["etag"]},
    )
    assert patched.status_code == 422
    assert client.get(url, headers=editor).json()["targets"] == {}
    search = client.get("/v1/glossaries/desk/entries", params={"q": "核\x00"}, headers=editor)
    assert search.status_code == 422


def test_nul_in_an_imported_file_gets_422_naming_the_line(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    editor = auth(tokens["editor"])
    client.post("/v1/glossaries", json={"name": "desk"}, headers=editor)
    before = _glossary_state(runtime)
    answer = client.post(
        "/v1/glossaries/desk/import",
        params={"format": "deepl-tsv", "target_lang": "en"},
        content="核抑止\tdeterrence\n瀬戸際外交\tbrink\x00manship\n".encode(),
        headers=editor,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"][0]["line"] == 2
    assert _glossary_state(runtime) == before


def _glossary_state(runtime: Runtime) -> tuple[int, int, list[str]]:
    with session_scope(runtime.sessions) as session:
        entries = len(list(session.scalars(select(EntryRow.id))))
        versions = sum(session.scalars(select(GlossaryRow.version)))
        names = sorted(session.scalars(select(GlossaryRow.name)))
    return entries, versions, names


def test_export_cells_are_guarded_and_need_an_editor_key(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """Row 8: exports wrote `= + - @` cells verbatim in all six formats, and any key could
    export. Only the spreadsheet-bound formats are guarded: the service-bound ones carry the
    exact terms."""
    editor = auth(tokens["editor"])
    client.post("/v1/glossaries", json={"name": "desk"}, headers=editor)
    entry = {"source": "=cmd|' /C calc'!A0", "targets": {"en": "@SUM(1)", "fr": "+1", "de": "-1"}}
    assert client.post("/v1/glossaries/desk/entries", json=entry, headers=editor).is_success
    for format in (
        "aws-csv",
        "aws-tsv",
        "deepl-csv",
        "deepl-tsv",
        "kakehashi-csv",
        "kakehashi-tsv",
    ):
        for role in ("publisher", "partner"):
            refused = client.get(
                "/v1/glossaries/desk/export",
                params={"format": format, "target_lang": "en"},
                headers=auth(tokens[role]),
            )
            assert refused.status_code == 403, (format, role)
        exported = client.get(
            "/v1/glossaries/desk/export",
            params={"format": format, "target_lang": "en"},
            headers=editor,
        )
        assert exported.status_code == 200
        delimiter = "\t" if format.endswith("tsv") else ","
        rows = list(csv.reader(io.StringIO(exported.text), delimiter=delimiter))
        cells = [cell for row in rows for cell in row]
        if format.startswith("kakehashi"):  # opened in spreadsheets: guarded
            assert "'=cmd|' /C calc'!A0" in cells and "'@SUM(1)" in cells, format
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], format
        else:  # read by DeepL or AWS, which would store the guard in the term (issue 20.2)
            assert "=cmd|' /C calc'!A0" in cells and "@SUM(1)" in cells, format
            assert not [c for c in cells if c.startswith("'")], format


def test_stored_titles_stay_clean_in_the_database(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    """NUL and XML-forbidden characters in an article are stripped before storing (PostgreSQL
    refuses NUL in text; XML feeds refuse the other controls)."""
    body = article("n-1", title="見\x00出\x1fし", body="本\x00文", summary="要\x0b約")
    answer = client.post("/v1/articles", json=body, headers=auth(tokens["publisher"]))
    assert answer.status_code == 202, answer.text
    with session_scope(runtime.sessions) as session:
        stored = session.get(Article, "n-1")
        assert stored is not None
        revision = session.scalars(select(Revision).where(Revision.article_id == "n-1")).one()
        assert (revision.title, revision.body, revision.summary) == ("見出し", "本文", "要約")
