"""Latency a newsroom feels: an idle service, one 2-sentence article, time until it is in each feed.

Usage: .venv/bin/python bench/idle_latency.py [--runs 8] [--idle 3] [--port 18050] [--external]

Starts a real `kakehashi serve` (embedded Redis, SQLite, 2 worker threads) on a temporary data
dir with the README's toy packages (ja:en, en:fr: French goes through English), a publisher
and a partner key (`--include-needs-review`: toy output always needs review). Each run waits
``--idle`` seconds, POSTs a new 2-sentence article and polls `/feeds/{ja,en,fr}.json` every
10 ms until the article's item is in each. Per run it prints the time to each feed and, from
`/v1/jobs/{id}`, where the time went: POST → job started (pickup; for fr also the wait for
en), started → finished (translation), finished → in the feed (version bump and cache fill).

The baseline in the same run is the translation itself (started → finished): what the service
adds is the rest. It refuses to report when an item never shows up or a feed answers other
than 200.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
from feed_serving import toy_service

LANGS = ("ja", "en", "fr")


def _wait_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("serve never became ready")


def _run(client: httpx.Client, cms: str, outlet: str, n: int) -> dict[str, float]:
    article_id = f"idle-{n}"
    body = {
        "id": article_id,
        "title": f"見出し{n}",
        "body": f"マスカロフカは古典的な手法だ{n}。\n\n拒否的抑止力が問われている。",
        "url": f"https://news.example.jp/{article_id}",
        "published_at": "2026-01-27T06:00:00+09:00",
        "categories": ["security"],
    }
    start = time.monotonic()
    posted = client.post("/v1/articles", json=body, headers={"Authorization": f"Bearer {cms}"})
    if posted.status_code != 202:
        raise RuntimeError(f"POST answered {posted.status_code}: {posted.text}")
    seen: dict[str, float] = {}
    deadline = start + 120
    while len(seen) < len(LANGS) and time.monotonic() < deadline:
        for lang in LANGS:
            if lang in seen:
                continue
            feed = client.get(f"/feeds/{lang}.json", params={"token": outlet})
            if feed.status_code != 200:
                raise RuntimeError(f"/feeds/{lang}.json answered {feed.status_code}")
            if any(
                item["id"].endswith(f"/{article_id}/{lang}") or article_id in item["id"]
                for item in feed.json()["items"]
            ):
                seen[lang] = time.monotonic() - start
        time.sleep(0.01)
    if len(seen) < len(LANGS):
        raise RuntimeError(f"{article_id} never reached {sorted(set(LANGS) - set(seen))}")
    status = client.get(f"/v1/articles/{article_id}", headers={"Authorization": f"Bearer {cms}"})
    result = {f"feed_{lang}": seen[lang] for lang in LANGS}
    for lang in ("en", "fr"):
        job_id = status.json()["languages"][lang]["job_id"]
        job = client.get(f"/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {cms}"}).json()
        created, started, finished = (
            datetime.fromisoformat(job[k]) for k in ("created_at", "started_at", "finished_at")
        )
        result[f"pickup_{lang}"] = (started - created).total_seconds()
        result[f"run_{lang}"] = (finished - started).total_seconds()
        result[f"after_{lang}"] = seen[lang] - (finished - created).total_seconds()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--idle", type=float, default=3.0)
    parser.add_argument("--port", type=int, default=18050)
    parser.add_argument(
        "--external",
        action="store_true",
        help="use KAKEHASHI_DATABASE_URL / KAKEHASHI_REDIS_URL from the environment "
        "(a database of its own is needed: the bench creates articles idle-0..N)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kakehashi-idle-") as tmp:
        env = {
            **os.environ,
            "KAKEHASHI_DATA_DIR": tmp,
            "KAKEHASHI_TARGET_LANGUAGES": "en,fr",
            "KAKEHASHI_WORKER_THREADS": "2",
        }
        if not args.external:
            env.pop("KAKEHASHI_DATABASE_URL", None)
            env.pop("KAKEHASHI_REDIS_URL", None)
        cms, outlet = toy_service(env, Path(tmp))
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(args.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=30) as client:
                _wait_ready(client)
                _run(client, cms, outlet, 0)  # warm: models loaded, caches made
                rows = []
                for n in range(1, args.runs + 1):
                    time.sleep(args.idle)
                    rows.append(_run(client, cms, outlet, n))
                    print(json.dumps({k: round(v, 3) for k, v in rows[-1].items()}))
        finally:
            server.terminate()
            server.wait(30)
    print(f"\nidle POST of a 2-sentence article → item in the feed, {len(rows)} runs, seconds")
    print(f"{'measure':<40}{'p50':>8}{'max':>8}")
    for key in rows[0]:
        values = [r[key] for r in rows]
        print(f"{key:<40}{statistics.median(values):>8.3f}{max(values):>8.3f}")
    print("(baseline: run_* is the translation itself; the rest is what the service adds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
