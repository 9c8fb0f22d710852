"""The real `kakehashi serve` as a subprocess, driven exactly as an operator and a CMS would:
models and keys through the CLI, an article over HTTP, the job polled, the feeds fetched."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest

from tests.service.processes import (
    KAKEHASHI,
    answers,
    free_port,
    kakehashi_env,
    running,
    wait_until,
)
from translators.toymodel import build_package

pytestmark = pytest.mark.slow
ARTICLE_ID = "moscow-delay-tactics"

SHARED = Path(os.environ.get("KAKEHASHI_SHARED_DIR", Path(__file__).parents[3] / "shared"))


@pytest.fixture
def env(tmp_path: Path, database_url: str, clean_redis: object) -> dict[str, str]:
    return kakehashi_env(
        tmp_path / "data",
        database_url,
        KAKEHASHI_TARGET_LANGUAGES="en,de",
        KAKEHASHI_SWEEP_INTERVAL="0.5",
    )


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*KAKEHASHI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"kakehashi {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with running(["serve", "--port", str(port)], env, log) as process:
        wait_until(answers(f"{base}/healthz"), "serve answering /healthz", process, log)
        yield base
    text = log.read_text()
    assert "Traceback" not in text, text
    assert "kh_par_" not in text and "kh_pub_" not in text, "a token reached the log"


def _poll(base: str, token: str, article_id: str, lang: str, states: set[str]) -> dict[str, str]:
    deadline = time.monotonic() + 120
    while True:
        status = httpx.get(
            f"{base}/v1/articles/{article_id}", headers={"Authorization": f"Bearer {token}"}
        ).json()
        if status["languages"][lang]["state"] in states:
            return dict(status["languages"][lang])
        assert time.monotonic() < deadline, status
        time.sleep(0.25)


def test_publish_to_feed_through_the_real_server(
    env: dict[str, str], server: str, tiny_package_zip: Path, tmp_path: Path
) -> None:
    # Operator: install the model and create keys through the CLI.
    assert "translate-ja_en" in cli(env, "models", "install", str(tiny_package_zip))
    listed = json.loads(cli(env, "models", "list", "--json"))
    assert [(p["source"], p["target"]) for p in listed] == [("ja", "en")]
    publisher = json.loads(
        cli(env, "keys", "create", "--role", "publisher", "--name", "cms", "--json")
    )["token"]
    # The random-weight model's output is degenerate (cut at its cap, no English), so every
    # translation needs review: it stays out of a default partner key's feeds, and this test
    # reads the feeds with a key that includes items needing review.
    default_partner = json.loads(
        cli(env, "keys", "create", "--role", "partner", "--name", "plain", "--json")
    )["token"]
    partner = json.loads(
        cli(
            env,
            *("keys", "create", "--role", "partner", "--name", "outlet"),
            *("--include-needs-review", "--json"),
        )
    )["token"]
    assert publisher not in cli(env, "keys", "list")  # only a hash is stored

    # The CMS publishes.
    article: dict[str, str | list[str]] = {
        "id": ARTICLE_ID,
        "title": "「偽りの対話」という兵器:モスクワの遅延戦術と日本の安全保障",
        "body": "2026年1月27日の夜明け前、核の最後通告の期限が切れた。\n\n"
        "マスカロフカは古典的な手法だ。拒否的抑止力が試されている。",
        "url": "https://news.example.jp/moscow-delay-tactics",
        "published_at": "2026-01-27T05:00:00+09:00",
        "categories": ["security", "russia"],
        "author": "AI News Team",
    }
    headers = {"Authorization": f"Bearer {publisher}"}
    posted = httpx.post(f"{server}/v1/articles", json=article, headers=headers)
    assert posted.status_code == 202, posted.text
    assert {job["lang"] for job in posted.json()["article"]["jobs"]} == {"en", "de"}
    assert httpx.post(f"{server}/v1/articles", json=article, headers=headers).status_code == 200

    en = _poll(server, publisher, ARTICLE_ID, "en", {"done", "failed"})
    assert en["state"] == "done"
    job = httpx.get(f"{server}/v1/jobs/{en['job_id']}", headers=headers).json()
    assert job["state"] == "done" and job["finished_at"]

    translation = httpx.get(
        f"{server}/v1/articles/{article['id']}/translations/en", headers=headers
    ).json()
    assert translation["needs_review"] is True
    assert "truncated" in translation["report"]["review_reasons"]
    plain = httpx.get(f"{server}/feeds/en.json", params={"token": default_partner})
    assert plain.status_code == 200 and plain.json()["items"] == []

    # The partner pulls the feeds.
    feed = httpx.get(f"{server}/feeds/en.json", params={"token": partner})
    assert feed.status_code == 200
    document = feed.json()
    # KAKEHASHI_PUBLIC_URL is unset: links use the address and port `serve` listens on.
    assert document["feed_url"] == f"{server}/feeds/en.json"
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert [item["id"] for item in document["items"]] == [
        "urn:kakehashi:article:moscow-delay-tactics:en"
    ]
    schema_file = SHARED / "eval/jsonfeed/jsonfeed-schema/schema-v1.1.json"
    if schema_file.is_file():
        import jsonschema

        jsonschema.validate(document, json.loads(schema_file.read_text()))
    atom = httpx.get(f"{server}/feeds/en.atom", params={"token": partner})
    parsed = feedparser.parse(atom.content)
    assert atom.status_code == 200 and not parsed.bozo
    assert parsed.entries[0].id == "urn:kakehashi:article:moscow-delay-tactics:en"

    # German has no model: its job waits, readyz names the pair, and installing resumes it.
    assert _poll(server, publisher, ARTICLE_ID, "de", {"waiting-for-model"})
    partial = httpx.get(f"{server}/readyz")
    assert partial.status_code == 200 and partial.json()["models"]["missing"] == ["ja:de"]
    de_zip = build_package(tmp_path / "de", target="de", seed=3)
    cli(env, "models", "install", str(de_zip))
    assert _poll(server, publisher, ARTICLE_ID, "de", {"done", "failed"})["state"] == "done"
    ready = httpx.get(f"{server}/readyz")
    assert ready.status_code == 200 and ready.json()["models"]["missing"] == []
    de_feed = httpx.get(f"{server}/feeds/de.rss", params={"token": partner})
    assert de_feed.status_code == 200 and not feedparser.parse(de_feed.content).bozo

    # Retraction removes it from the feeds.
    assert httpx.delete(f"{server}/v1/articles/{article['id']}", headers=headers).status_code == 200
    assert httpx.get(f"{server}/feeds/en.json", params={"token": partner}).json()["items"] == []
