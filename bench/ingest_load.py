"""Ingest under load: 16 publishers POSTing 500 articles while 8 partners read feeds.

Usage: .venv/bin/python bench/ingest_load.py [--articles 500] [--publishers 16] [--readers 8]
       [--port 18060] [--worker-threads 0] [--external]

Starts a real `kakehashi serve` on a temporary data dir (SQLite + embedded Redis; with
``--external`` the KAKEHASHI_DATABASE_URL / KAKEHASHI_REDIS_URL of the environment, which must
name a database of its own) with the toy packages ja:en and en:fr installed. ``--worker-threads``
is 0 by default so the figure is the API's own (translation competes for the same 2 cores
otherwise; say 2 to measure both together). Publishers POST distinct 6-sentence articles as
fast as they are answered; readers GET `/feeds/{en,ja}.json` in a loop. Prints POST and feed
p50/p99/max with the number of requests and statuses behind each figure, and the baseline in
the same run: the same POSTs from one publisher with no readers (what a POST costs alone).
Refuses to report when any POST was not answered 202 or a feed not 200/304.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

PAIRS = ("--pair", "ja:en", "--pair", "en:fr")


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _article(n: int) -> dict[str, object]:
    sentences = [f"第{n}号の記事、その{i}番目の文はマスカロフカについて述べる。" for i in range(6)]
    return {
        "id": f"load-{n}",
        "title": f"負荷試験の記事{n}",
        "body": "\n\n".join("".join(sentences[i : i + 3]) for i in (0, 3)),
        "url": f"https://news.example.jp/load-{n}",
        "published_at": "2026-01-27T06:00:00+09:00",
        "categories": ["security" if n % 2 else "politics"],
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _row(name: str, values: list[float], statuses: Counter[int]) -> str:
    ms = [v * 1000 for v in values]
    codes = " ".join(f"{code}×{count}" for code, count in sorted(statuses.items()))
    return (
        f"{name:<34}{statistics.median(ms):>9.1f}{_pct(ms, 0.99):>9.1f}{max(ms):>9.1f}"
        f"{len(ms):>8}  {codes}"
    )


async def _load(
    base: str, cms: str, outlet: str, ids: range, publishers: int, readers: int
) -> tuple[list[float], Counter[int], list[float], Counter[int]]:
    post_times: list[float] = []
    post_codes: Counter[int] = Counter()
    feed_times: list[float] = []
    feed_codes: Counter[int] = Counter()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in ids:
        queue.put_nowait(n)
    done = asyncio.Event()
    limits = httpx.Limits(max_connections=publishers + readers + 4)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def publisher() -> None:
            headers = {"Authorization": f"Bearer {cms}"}
            while not queue.empty():
                n = queue.get_nowait()
                start = time.perf_counter()
                answer = await client.post("/v1/articles", json=_article(n), headers=headers)
                post_times.append(time.perf_counter() - start)
                post_codes[answer.status_code] += 1

        async def reader(lang: str) -> None:
            etag = ""
            while not done.is_set():
                start = time.perf_counter()
                headers = {"If-None-Match": etag} if etag else {}
                answer = await client.get(
                    f"/feeds/{lang}.json", params={"token": outlet}, headers=headers
                )
                feed_times.append(time.perf_counter() - start)
                feed_codes[answer.status_code] += 1
                etag = answer.headers.get("etag", etag)

        reading = [asyncio.create_task(reader("en" if i % 2 else "ja")) for i in range(readers)]
        await asyncio.gather(*(publisher() for _ in range(publishers)))
        done.set()
        await asyncio.gather(*reading)
    return post_times, post_codes, feed_times, feed_codes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--publishers", type=int, default=16)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--port", type=int, default=18060)
    parser.add_argument("--worker-threads", type=int, default=0)
    parser.add_argument("--external", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kakehashi-ingest-") as tmp:
        env = {
            **os.environ,
            "KAKEHASHI_DATA_DIR": tmp,
            "KAKEHASHI_TARGET_LANGUAGES": "en,fr",
            "KAKEHASHI_WORKER_THREADS": str(args.worker_threads),
        }
        if not args.external:
            env.pop("KAKEHASHI_DATABASE_URL", None)
            env.pop("KAKEHASHI_REDIS_URL", None)
        models = Path(tmp) / "toy"
        subprocess.run(
            [sys.executable, "-m", "translators.toymodel", str(models), *PAIRS],
            check=True,
            capture_output=True,
        )
        _cli(env, "migrate")
        for archive in sorted(models.glob("*.argosmodel")):
            _cli(env, "models", "install", str(archive))
        cms = _cli(env, "keys", "create", "--role", "publisher", "--name", "cms")
        outlet = _cli(env, "keys", "create", "--role", "partner", "--name", "outlet")
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(args.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{args.port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.2)
            alone = min(50, args.articles // 10)
            base_post, base_codes, _, _ = asyncio.run(
                _load(base, cms, outlet, range(100_000, 100_000 + alone), 1, 0)
            )
            started = time.perf_counter()
            post, post_codes, feed, feed_codes = asyncio.run(
                _load(base, cms, outlet, range(args.articles), args.publishers, args.readers)
            )
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(30)
    bad_posts = sum(c for code, c in post_codes.items() if code != 202)
    bad_posts += sum(c for code, c in base_codes.items() if code != 202)
    bad_feeds = sum(c for code, c in feed_codes.items() if code not in (200, 304))
    store = "external (PostgreSQL/Redis from the environment)" if args.external else "SQLite"
    print(
        f"ingest: {args.articles} articles, {args.publishers} publishers, {args.readers} readers,"
    )
    print(f"store {store}, worker threads {args.worker_threads}, {wall:.1f} s wall")
    print(f"{'ms':<34}{'p50':>9}{'p99':>9}{'max':>9}{'n':>8}  statuses")
    print(_row("POST alone (baseline)", base_post, base_codes))
    print(_row(f"POST, {args.publishers} publishers + readers", post, post_codes))
    print(_row(f"feed reads, {args.readers} readers", feed, feed_codes))
    if bad_posts or bad_feeds or len(post) != args.articles:
        print(f"refusing to report: {bad_posts} POSTs not 202, {bad_feeds} feeds not 200/304")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
