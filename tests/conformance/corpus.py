"""A realistic set of articles for the conformance stage, seeded through the real write path:
the HTTP API for articles, revisions, retractions and approvals; the real worker job on the
tiny CTranslate2 model for English; `record_translation` (what the worker calls) for French,
which has no model here.

What it holds: HTML with a table (caption, colspan, rowspan) and images with sizes; several
categories, overlapping; a revised article; a retracted one; an approved correction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.access.api_keys import create_key
from service.jobs.translate_job import run_job
from service.runtime import Runtime
from service.store.db import session_scope
from service.store.tables import Job
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly

if TYPE_CHECKING:
    from tests.conformance.conftest import Service

LANGS = ("ja", "en", "fr")  # the corpus's feeds: the originals, English (model), French (stored)
TABLE_HTML = (
    "<p>防衛予算の内訳は次の通り。</p>"
    "<figure><img src='https://img.example.jp/budget.png' alt='予算の図' width='640' "
    "height='360'><figcaption>防衛予算</figcaption></figure>"
    "<table><caption>防衛予算(億円)</caption>"
    "<thead><tr><th>項目</th><th>金額</th></tr></thead>"
    "<tbody><tr><td>ミサイル防衛</td><td>1,200</td></tr>"
    "<tr><td rowspan='2'>装備</td><td>800</td></tr><tr><td>300</td></tr>"
    "<tr><td colspan='2'>合計 2,300</td></tr></tbody></table>"
)
ECONOMY_HTML = (
    "<p><img src='https://img.example.jp/port.jpg' alt='港' width='800' height='533'></p>"
    "<p>円安が輸出を押し上げた。</p><p>日銀は金利を据え置いた。</p>"
)
FR_TABLE = (
    "<p>Le budget de la défense.</p>"
    "<figure><img src='https://img.example.jp/budget.png' alt='Budget' width='640' "
    "height='360'><figcaption>Budget</figcaption></figure>"
    "<table><caption>Budget (100 M yens)</caption>"
    "<thead><tr><th>Poste</th><th>Montant</th></tr></thead>"
    "<tbody><tr><td>Défense antimissile</td><td>1 200</td></tr>"
    "<tr><td colspan='2'>Total 2 300</td></tr></tbody></table>"
)

ARTICLES: dict[str, dict[str, Any]] = {
    "c-table": {"body": TABLE_HTML, "format": "html", "categories": ["security", "budget"]},
    "c-economy": {"body": ECONOMY_HTML, "format": "html", "categories": ["economy"]},
    "c-revised": {"categories": ["security", "politics"]},
    "c-retracted": {"categories": ["economy"]},
    "c-politics": {"categories": ["politics"]},
}


@dataclass
class Corpus:
    """What the tests need to know about the seeded data."""

    tokens: dict[str, str]
    articles: dict[str, dict[str, object]] = field(default_factory=dict)
    retracted: str = "c-retracted"
    revised: str = "c-revised"
    corrected: str = "c-table"


def _run_english(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        ids = list(
            session.scalars(
                select(Job.id)
                .where(Job.state == "queued", Job.target_lang == "en")
                .order_by(Job.created_at)
            )
        )
    for job_id in ids:
        run_job(runtime.jobs, job_id)


def _store_french(runtime: Runtime, article_id: str, body: str, body_format: str) -> None:
    """A French translation stored and published as the worker would (no fr model here)."""
    translate_directly(runtime, article_id, "fr", body=body, body_format=body_format)


def _keys(runtime: Runtime) -> dict[str, str]:
    made: dict[str, str] = {}
    with session_scope(runtime.sessions) as session:
        for role in ("publisher", "editor", "partner"):
            made[role] = create_key(session, name=f"conformance {role}", role=role)[1]
        made["partner-security"] = create_key(
            session, name="security desk", role="partner", sections=["security"]
        )[1]
    return made


def seed(client: TestClient, runtime: Runtime) -> Corpus:
    """Post, translate, revise, approve (one with a correction) and retract; see the module."""
    corpus = Corpus(tokens=_keys(runtime))
    publisher = auth(corpus.tokens["publisher"])
    editor = auth(corpus.tokens["editor"])
    for number, (article_id, overrides) in enumerate(ARTICLES.items()):
        body = article(article_id, published_at=f"2026-01-2{number}T06:00:00+09:00", **overrides)
        response = client.post("/v1/articles", json=body, headers=publisher)
        assert response.status_code == 202, response.text
        corpus.articles[article_id] = body
        _run_english(runtime)
    revised = dict(corpus.articles[corpus.revised])
    revised["title"] = "モスクワの遅延戦術(改訂)"
    revised["body"] = "核の最後通告の期限が切れた。\n\n冷たい平和が続く。"
    response = client.put(f"/v1/articles/{corpus.revised}", json=revised, headers=publisher)
    assert response.status_code == 202, response.text
    corpus.articles[corpus.revised] = revised
    _run_english(runtime)
    # The tiny model's output always needs review: an editor approves every English text,
    # one of them with its first segment corrected.
    for article_id in corpus.articles:
        correction = {"segments": [{"index": 0, "translation": "Defence budget, corrected"}]}
        item = client.get(f"/v1/reviews/{article_id}/en", headers=editor)
        assert item.status_code == 200, item.text
        response = client.post(  # as the desk does: the ETag of the translation reviewed
            f"/v1/reviews/{article_id}/en/approve",
            json=correction if article_id == corpus.corrected else None,
            headers={**editor, "If-Match": item.headers["etag"]},
        )
        assert response.status_code == 200, response.text
    for article_id, overrides in ARTICLES.items():
        html = overrides.get("format") == "html"
        _store_french(
            runtime,
            article_id,
            FR_TABLE if html else "Premier paragraphe.\n\nSecond paragraphe.",
            "html" if html else "text",
        )
    response = client.delete(f"/v1/articles/{corpus.retracted}", headers=publisher)
    assert response.status_code == 200, response.text
    return corpus


def get(service: Service, path: str, token: str = "partner") -> httpx.Response:
    parts = urlsplit(path)
    params = dict(parse_qsl(parts.query))
    response = service.http.get(
        parts.path, params={**params, "token": service.corpus.tokens[token]}
    )
    assert response.status_code == 200, (path, response.text)
    return response


def fetch(service: Service, path: str, token: str = "partner") -> bytes:
    return get(service, path, token).content
