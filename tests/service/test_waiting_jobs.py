"""Jobs waiting for a model do not pile up: at most one open job per article and language,
however often the articles and their glossary terms are edited."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.access.api_keys import create_key
from service.jobs.translate_job import OPEN_STATES, WAITING
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from service.store.tables import Job
from service.web.app import create_app
from tests.service.conftest import article, auth
from tests.service.helpers import run_queued

MISSING = ("de", "es", "ko", "zh", "it")


@pytest.fixture
def unreachable(settings: Settings) -> Iterator[Runtime]:
    """Five target languages and no model installed for any of them."""
    rt = Runtime.start(settings.model_copy(update={"target_languages": MISSING}))
    yield rt
    rt.close()


def _open_per_article_language(runtime: Runtime) -> Counter[tuple[str, str]]:
    with session_scope(runtime.sessions) as session:
        rows = session.execute(
            select(Job.article_id, Job.target_lang).where(Job.state.in_(OPEN_STATES))
        ).tuples()
        return Counter(rows)


def test_edits_never_pile_up_waiting_jobs(unreachable: Runtime) -> None:
    runtime = unreachable
    with session_scope(runtime.sessions) as session:
        publisher = create_key(session, name="cms", role="publisher")[1]
        editor = create_key(session, name="desk", role="editor")[1]
    with TestClient(create_app(runtime=runtime)) as client:
        for n in range(10):
            posted = client.post("/v1/articles", json=article(f"a-{n}"), headers=auth(publisher))
            assert posted.status_code == 202
        run_queued(runtime)
        found = client.get(
            "/v1/glossaries/security/entries", params={"q": "マスカロフカ"}, headers=auth(editor)
        ).json()["items"]
        entry = next(e for e in found if e["source"] == "マスカロフカ")
        url = f"/v1/glossaries/security/entries/{entry['id']}"
        for round_ in range(4):
            # A glossary edit re-translates every article using the term (in every language:
            # each rendering changes) ...
            renderings = {lang: f"maskirovka {lang} {round_}" for lang in MISSING}
            changed = client.patch(
                url,
                json={"targets": {**entry["targets"], **renderings}},
                headers={**auth(editor), "If-Match": entry["etag"]},
            )
            assert changed.status_code == 200, changed.text
            assert len(changed.json()["affected_articles"]) == 10
            entry = changed.json()["entry"]
            # ... and a revision of two of them supersedes their jobs too.
            for n in (0, 1):
                body = article(f"a-{n}", title=f"改訂 {round_}")
                del body["id"]
                assert client.put(
                    f"/v1/articles/a-{n}", json=body, headers=auth(publisher)
                ).is_success
            run_queued(runtime)

    open_jobs = _open_per_article_language(runtime)
    assert set(open_jobs.values()) == {1}
    assert len(open_jobs) == 10 * len(MISSING)
    with session_scope(runtime.sessions) as session:
        waiting = session.scalar(select(func.count()).where(Job.state == WAITING))
        cancelled = session.scalar(select(func.count()).where(Job.state == "cancelled"))
    assert waiting == 50
    assert cancelled and cancelled >= 4 * 50  # every edit superseded the waiting jobs
