"""Honest dates: an unchanged translation keeps its `updated` time and feed position, and a
glossary edit re-translates only the languages whose rendering it changed."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from glossaries import Entry
from service.glossary.edits import Editing, changed_languages
from service.jobs.translate_job import StoredText, record_translation
from service.runtime import Runtime
from service.store.db import session_scope
from service.store.tables import Article, Job, Revision, Translation, utcnow
from service.syndication import versions as feed_versions
from tests.service.conftest import article, auth


def _store(runtime: Runtime, article_id: str, title: str, when_ago: timedelta) -> tuple[str, ...]:
    with session_scope(runtime.sessions) as session:
        a = session.get(Article, article_id)
        assert a is not None
        revision = session.scalars(
            select(Revision).where(
                Revision.article_id == article_id, Revision.number == a.current_revision
            )
        ).one()
        return record_translation(
            session,
            runtime.settings.target_languages,
            StoredText(
                article_id=article_id,
                revision_id=revision.id,
                lang="en",
                title=title,
                summary=None,
                body="Same body.",
                body_format="text",
                report={},
                needs_review=False,
                route=["ja", "en"],
                model="test@1",
            ),
            utcnow() - when_ago,
        )


def _feed_ids(client: TestClient, token: str) -> list[str]:
    items = client.get("/feeds/en.json", params={"token": token}).json()["items"]
    return [item["id"].split(":")[3] for item in items]


def test_an_unchanged_translation_keeps_its_date_and_place(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    publisher = auth(tokens["publisher"])
    client.post("/v1/articles", json=article("old"), headers=publisher)
    client.post("/v1/articles", json=article("new"), headers=publisher)
    _store(runtime, "old", "Old story", timedelta(hours=2))
    _store(runtime, "new", "New story", timedelta(hours=1))
    assert _feed_ids(client, tokens["partner-review"]) == ["new", "old"]
    with session_scope(runtime.sessions) as session:
        version = feed_versions.current(session, "en")

    # Translated again (a glossary edit elsewhere), and for a new revision that changed only
    # the link: the same text, so the same date, the same place and the same feed version.
    assert _store(runtime, "old", "Old story", timedelta(0)) == ()
    revised = article("old", url="https://news.example.jp/moved/old")
    del revised["id"]
    assert client.put("/v1/articles/old", json=revised, headers=publisher).status_code == 202
    _store(runtime, "old", "Old story", timedelta(0))
    assert _feed_ids(client, tokens["partner-review"]) == ["new", "old"]
    with session_scope(runtime.sessions) as session:
        rows = session.scalars(
            select(Translation).where(Translation.article_id == "old").order_by(Translation.id)
        ).all()
        assert len(rows) == 2 and [r.current for r in rows] == [False, True]
        assert rows[0].updated_at == rows[1].updated_at
        assert feed_versions.current(session, "en") > version  # the revision's link is new

    # A changed text is news: a new date, the top of the feed.
    assert _store(runtime, "old", "Old story, corrected", timedelta(0)) == ("en",)
    assert _feed_ids(client, tokens["partner-review"]) == ["old", "new"]


ENTRY = Entry(
    "瀬戸際外交",
    {"en": "brinkmanship", "fr": "politique du bord du gouffre", "de": "Politik am Abgrund"},
    note="North Korea coverage",
)
DIRECT = Editing(actor="t", targets=("en", "fr"), routes={"en": ["ja", "en"], "fr": ["ja", "fr"]})
PIVOT = Editing(
    actor="t", targets=("en", "fr"), routes={"en": ["ja", "en"], "fr": ["ja", "en", "fr"]}
)


def _with(**changes: object) -> Entry:
    fields: dict[str, object] = {
        "source": ENTRY.source,
        "targets": dict(ENTRY.targets),
        "aliases": ENTRY.aliases,
        "do_not_translate": ENTRY.do_not_translate,
        "case_sensitive": ENTRY.case_sensitive,
        "note": ENTRY.note,
        "status": ENTRY.status,
    }
    fields.update(changes)
    return Entry(**fields)  # type: ignore[arg-type]


def test_changed_languages_follow_the_renderings_and_the_routes() -> None:
    assert changed_languages(DIRECT, ENTRY, _with(note="other")) == []
    german = _with(targets={**ENTRY.targets, "de": "Brinkmanship"})
    assert changed_languages(DIRECT, ENTRY, german) == []
    english = _with(targets={**ENTRY.targets, "en": "brinksmanship"})
    assert changed_languages(DIRECT, ENTRY, english) == ["en"]
    assert changed_languages(PIVOT, ENTRY, english) == ["en", "fr"]  # fr goes through en
    french = _with(targets={**ENTRY.targets, "fr": "bord du gouffre"})
    assert changed_languages(PIVOT, ENTRY, french) == ["fr"]
    assert changed_languages(DIRECT, ENTRY, _with(aliases=("瀬戸際戦術",))) == ["en", "fr"]
    assert changed_languages(DIRECT, ENTRY, _with(status="draft")) == ["en", "fr"]
    unknown = Editing(actor="t", targets=("en", "fr"))  # routes unknown: all may pivot via en
    assert changed_languages(unknown, ENTRY, english) == ["en", "fr"]
    assert changed_languages(unknown, ENTRY, french) == ["fr"]


def test_a_glossary_edit_queues_only_the_languages_it_changes(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    editor = auth(tokens["editor"])
    client.post("/v1/glossaries", json={"name": "desk"}, headers=editor)
    created = client.post(
        "/v1/glossaries/desk/entries",
        json={"source": ENTRY.source, "targets": dict(ENTRY.targets), "note": ENTRY.note},
        headers=editor,
    ).json()
    url = f"/v1/glossaries/desk/entries/{created['entry']['id']}"
    client.post(
        "/v1/articles",
        json=article("n-1", body="瀬戸際外交が続く。"),
        headers=auth(tokens["publisher"]),
    )

    def patch(body: dict[str, object]) -> list[str]:
        etag = client.get(url, headers=editor).headers["etag"]
        answer = client.patch(url, json=body, headers={**editor, "If-Match": etag})
        assert answer.status_code == 200, answer.text
        with session_scope(runtime.sessions) as session:
            jobs = session.scalars(select(Job).where(Job.id.in_(answer.json()["jobs"]))).all()
            return sorted(job.target_lang for job in jobs)

    impact = client.post(url + "/impact", json={"note": "only a note"}, headers=editor).json()
    assert impact["jobs"] == 0 and impact["languages"] == []
    assert patch({"note": "only a note"}) == []
    assert patch({"targets": {**ENTRY.targets, "de": "Randpolitik"}}) == []
    french = {**ENTRY.targets, "de": "Randpolitik", "fr": "bord du gouffre"}
    impact = client.post(url + "/impact", json={"targets": french}, headers=editor).json()
    assert impact["languages"] == ["fr"] and impact["jobs"] == 1
    assert patch({"targets": french}) == ["fr"]
    assert patch({"aliases": ["瀬戸際戦術"]}) == ["en", "fr"]
