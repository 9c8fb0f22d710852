"""Memory under a steady load: the resident memory of a real `kakehashi serve` (and of its
embedded Redis) printed every minute while articles arrive and partners poll feeds.

Usage: .venv/bin/python bench/steady_rss.py [--minutes 20] [--articles-per-minute 6]
                                            [--readers 4] [--poll 0.5] [--external] [--split]
BENCH_PORTS=18200-18299 keeps the server in a port range on a shared machine.

Starts `kakehashi serve` (2 worker threads; SQLite and an embedded Redis in a temporary data
dir, or with --external a fresh PostgreSQL database made from KAKEHASHI_DATABASE_URL (dropped
afterwards) and the Redis database of KAKEHASHI_REDIS_URL, FLUSHED first: give it its own),
or with --split no worker threads in `serve` and one `kakehashi worker --threads 2` beside it
(each process's RSS apart: serving or translating), with the toy packages ja:en and
en:fr (fr through en), a publisher and a partner key. Then, for --minutes:
  - a publisher POSTs --articles-per-minute new articles a minute (8 sentences each, their
    own), and every third one is PUT again with one sentence changed a little later;
  - --readers partners poll RSS (`/feeds/{ja,en,fr}.rss`, each reader its own language in
    turn) every --poll seconds with If-None-Match, as feed readers do, and now and then a
    JSON Feed and an Atom page deeper down (`before=`);
and every minute prints: VmRSS of the serve process and of the embedded Redis, articles
posted (statuses), jobs done, feed answers by status, bytes read, and the items in the en RSS.

The baseline is the same process's RSS after the first minute (models loaded, caches
filled): the last minute's RSS minus it is the growth, printed with the slope per minute
over the second half. It refuses to report (exit 1) when a POST or PUT is not 202/200, a
feed answers other than 200/304, or the en RSS did not grow with the articles (a steady load
that delivered nothing is not one).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from feed_serving import HOST, _free_port, _wait_http, running, serve_argv, toy_service

SENTENCE = "政府は第{n}回の会合で、サイバー攻撃への対処方針{k}を改定した。"
LANGS = ("ja", "en", "fr")


def rss_kb(pid: int) -> int:
    """VmRSS of a process in kB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def embedded_redis_pid(data_dir: Path) -> int | None:
    """The embedded redis-server's pid, as it reports it (it is no child of `serve`'s)."""
    import redis

    from service.store.embedded_redis import socket_path

    try:
        info = redis.Redis(unix_socket_path=str(socket_path(data_dir))).info("server")
    except redis.RedisError:
        return None
    return int(info["process_id"])


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    posts: Counter[int] = field(default_factory=Counter)
    puts: Counter[int] = field(default_factory=Counter)
    feeds: Counter[int] = field(default_factory=Counter)
    feed_bytes: int = 0
    errors: list[str] = field(default_factory=list)

    def feed(self, status: int, size: int) -> None:
        with self.lock:
            self.feeds[status] += 1
            self.feed_bytes += size
            if status not in (200, 304) and len(self.errors) < 5:
                self.errors.append(f"feed answered {status}")


def article(n: int, edit: int = 0) -> dict[str, object]:
    sentences = [SENTENCE.format(n=f"steady-{n}", k=k) for k in range(8)]
    if edit:
        sentences[3] = sentences[3].replace("改定した", f"改定した（第{edit}版）")
    return {
        "id": f"steady-{n}",
        "title": f"対処方針 第{n}報",
        "body": "".join(sentences[:4]) + "\n\n" + "".join(sentences[4:]),
        "url": f"https://news.example.jp/steady-{n}",
        "published_at": "2026-01-27T06:00:00+09:00",
        "categories": ["security", ("politics", "economy", "tech")[n % 3]],
    }


def publisher(
    base: str, token: str, per_minute: float, stop: threading.Event, tally: Tally
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    n = 0
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.wait(60 / per_minute):
            answer = client.post("/v1/articles", json=article(n), headers=headers)
            with tally.lock:
                tally.posts[answer.status_code] += 1
            if n % 3 == 2:  # an earlier article corrected: a new revision, a one-sentence job
                edited = n - 1
                answer = client.put(
                    f"/v1/articles/steady-{edited}", json=article(edited, 1), headers=headers
                )
                with tally.lock:
                    tally.puts[answer.status_code] += 1
            n += 1


def reader(
    base: str, token: str, index: int, poll: float, stop: threading.Event, tally: Tally
) -> None:
    etags: dict[str, str] = {}
    rng = random.Random(index)
    with httpx.Client(base_url=base, timeout=60) as client:
        turn = index
        while not stop.wait(poll):
            lang = LANGS[turn % len(LANGS)]
            turn += 1
            path = f"/feeds/{lang}.rss"
            headers = {"If-None-Match": etags[path]} if path in etags else {}
            answer = client.get(path, params={"token": token}, headers=headers)
            tally.feed(answer.status_code, len(answer.content))
            if answer.status_code == 200:
                etags[path] = answer.headers.get("etag", "")
            if rng.random() < 0.1:  # now and then another format, a page further down
                fmt = rng.choice(("json", "atom"))
                answer = client.get(f"/feeds/{lang}.{fmt}", params={"token": token, "limit": 20})
                tally.feed(answer.status_code, len(answer.content))


def rss_items(base: str, token: str) -> int:
    body = httpx.get(f"{base}/feeds/en.rss", params={"token": token, "limit": 200}, timeout=60)
    return body.content.count(b"<item>") if body.status_code == 200 else -1


def jobs_done(base: str, token: str, posted: int) -> int:
    """Of the last 20 articles posted, how many language jobs are done (2 per article): the
    workers keep up when this stays near 40 (a sample, from the publisher's own reads)."""
    done = 0
    with httpx.Client(base_url=base, timeout=60) as client:
        for n in range(max(0, posted - 20), posted):
            got = client.get(
                f"/v1/articles/steady-{n}", headers={"Authorization": f"Bearer {token}"}
            )
            if got.status_code == 200:
                done += sum(
                    1
                    for lang in got.json().get("languages", {}).values()
                    if lang.get("state") == "done"
                )
    return done


@contextmanager
def load(
    base: str, cms: str, outlet: str, args: argparse.Namespace, tally: Tally
) -> Iterator[None]:
    stop = threading.Event()
    threads = [
        threading.Thread(target=publisher, args=(base, cms, args.articles_per_minute, stop, tally))
    ]
    threads += [
        threading.Thread(target=reader, args=(base, outlet, i, args.poll, stop, tally))
        for i in range(args.readers)
    ]
    for t in threads:
        t.daemon = True
        t.start()
    try:
        yield
    finally:
        stop.set()
        for t in threads:
            t.join(70)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=int, default=20)
    parser.add_argument("--articles-per-minute", type=float, default=6.0)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between a reader's polls")
    parser.add_argument("--external", action="store_true", help="PostgreSQL + Redis from the env")
    parser.add_argument("--split", action="store_true", help="workers in a process of their own")
    args = parser.parse_args()
    if args.minutes < 2:
        parser.error("--minutes must be at least 2 (the first minute is the baseline)")

    # The folder outlives the processes (the stack closes first): the embedded Redis saves
    # into it on its way down, and stays running without it.
    with tempfile.TemporaryDirectory(prefix="kakehashi-steady-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KAKEHASHI_")}
        if args.external:
            import redis
            from feed_scale import fresh_database

            env["KAKEHASHI_DATABASE_URL"] = stack.enter_context(fresh_database("postgresql"))
            env["KAKEHASHI_REDIS_URL"] = os.environ["KAKEHASHI_REDIS_URL"]
            redis.Redis.from_url(env["KAKEHASHI_REDIS_URL"]).flushdb()  # the bench's own
        env.update(
            KAKEHASHI_DATA_DIR=str(root / "data"),
            KAKEHASHI_TARGET_LANGUAGES="en,fr",
            KAKEHASHI_WORKER_THREADS="0" if args.split else "2",
            KAKEHASHI_ARGOS_PACKAGES_DIR=str(root / "no-argos"),
        )
        cms, outlet = toy_service(env, root)
        port = _free_port()
        cmd = serve_argv(port)
        server = stack.enter_context(running(cmd, env=env, cwd=root, log=root / "serve.log"))
        _wait_http(port, "/healthz", server, 90, root / "serve.log")
        base = f"http://{HOST}:{port}"
        worker = None
        if args.split:
            worker_cmd = [cmd[0], "worker", "--threads", "2", "--log-level", "warning"]
            worker = stack.enter_context(
                running(worker_cmd, env=env, cwd=root, log=root / "worker.log")
            )
        redis_pid = None if args.external else embedded_redis_pid(root / "data")
        store = "PostgreSQL + Redis" if args.external else "SQLite + embedded Redis"
        print(
            f"steady load for {args.minutes} min on {store}: {args.articles_per_minute:g} "
            f"articles/min (+1 edit per 3), {args.readers} RSS readers every {args.poll:g} s; "
            f"serve pid {server.pid}, worker pid {worker.pid if worker else '-'} "
            f"(else worker threads in serve), redis pid {redis_pid}; {os.cpu_count()} CPUs",
            flush=True,
        )
        print(
            f"{'min':>3} {'serve MB':>8} {'worker MB':>9} {'redis MB':>8} {'POST':>6} {'PUT':>4} "
            f"{'done/40':>7} "
            f"{'feeds 200/304/other':>20} {'MB read':>8} {'en items':>8} {'load':>5}"
        )
        tally = Tally()
        samples: list[int] = []
        worker_samples: list[int] = []
        items: list[int] = []
        began = time.monotonic()
        with load(base, cms, outlet, args, tally):
            for minute in range(1, args.minutes + 1):
                time.sleep(max(0.0, began + 60 * minute - time.monotonic()))
                rss = rss_kb(server.pid)
                if server.poll() is not None or rss == 0:
                    raise SystemExit("refusing to report: the server exited")
                samples.append(rss)
                if worker is not None:
                    worker_samples.append(rss_kb(worker.pid))
                    if worker.poll() is not None:
                        raise SystemExit("refusing to report: the worker exited")
                with tally.lock:
                    posts, puts, feeds = dict(tally.posts), dict(tally.puts), Counter(tally.feeds)
                    read = tally.feed_bytes
                items.append(rss_items(base, outlet))
                other = sum(n for s, n in feeds.items() if s not in (200, 304))
                done = jobs_done(base, cms, sum(posts.values()))
                redis_mb = rss_kb(redis_pid) / 1024 if redis_pid else 0.0
                worker_mb = worker_samples[-1] / 1024 if worker_samples else 0.0
                print(
                    f"{minute:>3} {rss / 1024:>8.1f} {worker_mb:>9.1f} {redis_mb:>8.1f} "
                    f"{sum(posts.values()):>6} {sum(puts.values()):>4} {done:>7} "
                    f"{f'{feeds[200]}/{feeds[304]}/{other}':>20} {read / 1e6:>8.1f} "
                    f"{items[-1]:>8} {os.getloadavg()[0]:>5.1f}",
                    flush=True,
                )
                if tally.errors:
                    raise SystemExit(f"refusing to report: {tally.errors}")
        bad = {s: n for s, n in {**tally.posts}.items() if s != 202}
        bad |= {s: n for s, n in tally.puts.items() if s not in (200, 202)}
        if bad:
            raise SystemExit(f"refusing to report: POST/PUT statuses {bad}")
        if items[-1] <= items[0] < 200:  # (a page holds at most 200)
            raise SystemExit(
                f"refusing to report: the en RSS held {items[0]} items after the first minute "
                f"and {items[-1]} at the end: the load delivered nothing"
            )
    print()
    for name, series in (("serve", samples), ("worker", worker_samples)):
        if series:
            print(growth(name, series))
    print(
        f"{sum(tally.posts.values())} articles, {sum(tally.puts.values())} edits, "
        f"{sum(tally.feeds.values())} feed answers ({tally.feed_bytes / 1e6:.1f} MB)"
    )
    return 0


def growth(name: str, kb: list[int]) -> str:
    """One process's RSS growth from its first minute (the baseline) to its last."""
    half = kb[len(kb) // 2 :]
    slope = (half[-1] - half[0]) / max(1, len(half) - 1) / 1024
    return (
        f"{name} RSS: {kb[0] / 1024:.1f} MB after minute 1 (baseline), max "
        f"{max(kb) / 1024:.1f}, last {kb[-1] / 1024:.1f} MB: growth "
        f"{(kb[-1] - kb[0]) / 1024:+.1f} MB over {len(kb) - 1} min, "
        f"{slope:+.2f} MB/min over the second half"
    )


if __name__ == "__main__":
    sys.exit(main())
