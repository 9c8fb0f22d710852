"""KAKEHASHI_ENGINE=generator end to end: an article through the service's own job path
on the random-weight decoder model, the glossary enforced and the same review policy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.access.api_keys import create_key
from service.jobs.translate_job import run_job
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from service.store.tables import Job, Translation
from service.web.app import create_app
from tests.service.conftest import article, auth
from translators.report import decode


@pytest.fixture
def generator_runtime(settings: Settings, toy_decoder: Path) -> Iterator[Runtime]:
    chosen = settings.model_copy(update={"engine": "generator", "target_languages": ("en", "fr")})
    shutil.copytree(toy_decoder, chosen.resolved_models_dir / toy_decoder.name)
    rt = Runtime.start(chosen)
    yield rt
    rt.close()


def test_an_article_is_translated_by_the_generator_with_its_terms(
    generator_runtime: Runtime,
) -> None:
    runtime = generator_runtime
    with session_scope(runtime.sessions) as session:
        editor = create_key(session, name="editor", role="editor")[1]
        publisher = create_key(session, name="publisher", role="publisher")[1]
    with TestClient(create_app(runtime=runtime)) as client:
        client.post("/v1/glossaries", json={"name": "desk"}, headers=auth(editor))
        added = client.post(
            "/v1/glossaries/desk/entries",
            headers=auth(editor),
            json={"source": "瀬戸際外交", "targets": {"en": "brinkmanship", "fr": "corde raide"}},
        )
        assert added.status_code == 201, added.text
        body = "瀬戸際外交が続いている。\n\n会談は予定通り行われた。"
        posted = client.post(
            "/v1/articles", headers=auth(publisher), json=article("g-1", body=body, summary=None)
        )
        assert posted.status_code == 202, posted.text
        with runtime.sessions() as session:
            jobs = list(session.scalars(select(Job.id).where(Job.state == "queued")))
        assert len(jobs) == 2
        for job_id in jobs:
            run_job(runtime.jobs, job_id)
        with runtime.sessions() as session:
            done = {t.lang: t for t in session.scalars(select(Translation))}
            assert sorted(done) == ["en", "fr"]
            for lang, rendering in (("en", "brinkmanship"), ("fr", "corde raide")):
                t = done[lang]
                assert t.model.startswith("generate-toy-decoder@1.0")
                report = decode(t.report, t.route)
                terms = [x for _, _, s in report.flat() for x in s.terms]
                assert rendering in [x.target for x in terms]  # the shipped glossary's too
                # The guarantee: each present in the stored text, or the article held back.
                for term in terms:
                    stored = f"{t.title} {t.body}".casefold()
                    assert (term.present and term.target.casefold() in stored) or (
                        t.needs_review and "term-missing" in report.review_reasons
                    )
                assert t.needs_review == bool(report.review_reasons)
