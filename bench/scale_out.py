"""Scale-out: 1, 2 and 3 `kakehashi worker` processes on PostgreSQL and Redis, articles/minute
each gives, and proof that none was dropped or done twice.

Usage: KAKEHASHI_DATABASE_URL=postgresql+psycopg://... KAKEHASHI_REDIS_URL=redis://host/N \\
       .venv/bin/python bench/scale_out.py [--workers 1,2,3] [--articles 40] [--sentences 8]
                                           [--threads 1] [--model toy|realistic]

In one run, on 127.0.0.1 only (BENCH_PORTS=18200-18299 keeps the API in a port range):
  1. a fresh PostgreSQL database (created from KAKEHASHI_DATABASE_URL, dropped afterwards);
     the Redis database of KAKEHASHI_REDIS_URL is FLUSHED first (give the bench its own);
  2. a ja:en package installed into a temporary data dir: `toy` (`translators.toymodel`, 2+2
     layers: the service's own work per job dominates) or `realistic` (bench/throughput.py's
     6+6-layer d512 random package, built once into .bench-cache: decoding dominates), a
     publisher key, and one `kakehashi serve --workers 1` with no worker threads (the API);
  3. for each count N of --workers: N `kakehashi worker --threads T` processes, warmed with
     3 x N articles (each loads its model on its first job); then the workers are paused
     (SIGSTOP), --articles articles POSTed (each with --sentences sentences of its own: no
     sentence-cache hits), the workers resumed (SIGCONT) and timed from then to the last
     job's own finished_at: the rate at which N workers drain a queue, not the rate of the
     one publisher POSTing (which would bound the figure otherwise); then they are stopped;
  4. prints articles/minute per N with the ratio to N=1, and per N the proof: jobs made =
     articles x languages, every one `done` after exactly one attempt (a second attempt is a
     job run twice), one current translation per article and language and no more, no job
     left queued or running, and the statuses of every POST (202). It refuses to report
     (exit 1) when any of that does not hold.

On the 2-core bench machine more than 2 single-threaded workers cannot add throughput (and
the API, PostgreSQL and Redis share those cores); the figure shows that adding workers does
not drop or duplicate work, and the per-worker rate gives the arithmetic for N machines.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis
from feed_scale import fresh_database
from feed_serving import HOST, _free_port, _wait_http, cli, running, serve_argv
from sqlalchemy import Engine, func, select

from service.store import db
from service.store.tables import Job, Translation

SENTENCE = "政府は第{n}回の会合で、サイバー攻撃への対処方針{k}を改定した。"


@dataclass(frozen=True)
class Phase:
    workers: int
    articles: int
    seconds: float
    jobs: int
    done: int
    attempts_over_one: int
    translations: int
    duplicates: int
    left: int
    statuses: dict[int, int]

    @property
    def per_minute(self) -> float:
        return self.articles * 60 / self.seconds


def payload(phase: str, n: int, sentences: int) -> dict[str, object]:
    """An article whose every sentence is its own (numbered), so no sentence cache helps."""
    body = "".join(SENTENCE.format(n=f"{phase}-{n}", k=k) for k in range(sentences))
    return {
        "id": f"{phase}-{n}",
        "title": f"対処方針 {phase} 第{n}報",
        "body": body,
        "url": f"https://news.example.jp/{phase}-{n}",
        "published_at": "2026-01-27T06:00:00+09:00",
        "categories": ["security"],
    }


def post_all(
    client: httpx.Client, token: str, phase: str, count: int, sentences: int
) -> dict[int, int]:
    statuses: dict[int, int] = {}
    for n in range(count):
        answer = client.post(
            "/v1/articles",
            json=payload(phase, n, sentences),
            headers={"Authorization": f"Bearer {token}"},
        )
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    return statuses


def wait_done(engine: Engine, phase: str, jobs: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    like = Job.article_id.like(f"{phase}-%")
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            finished = connection.scalar(
                select(func.count()).select_from(Job).where(like, Job.state.in_(("done", "failed")))
            )
        if finished is not None and finished >= jobs:
            return
        time.sleep(0.25)
    raise SystemExit(f"refusing to report: {phase}: jobs not finished within {timeout:.0f} s")


def account(
    engine: Engine, phase: str, resumed: datetime
) -> tuple[int, int, int, int, int, int, float]:
    """(jobs, done, done after more than one attempt, translations, duplicate translations,
    jobs left queued/running, seconds from `resumed` to the last job finished)."""
    like_job = Job.article_id.like(f"{phase}-%")
    like_tr = Translation.article_id.like(f"{phase}-%")
    with engine.connect() as connection:
        jobs = connection.scalar(select(func.count()).select_from(Job).where(like_job)) or 0
        done = (
            connection.scalar(
                select(func.count()).select_from(Job).where(like_job, Job.state == "done")
            )
            or 0
        )
        again = (
            connection.scalar(
                select(func.count()).select_from(Job).where(like_job, Job.attempts > 1)
            )
            or 0
        )
        left = (
            connection.scalar(
                select(func.count())
                .select_from(Job)
                .where(like_job, Job.state.not_in(("done", "failed")))
            )
            or 0
        )
        translations = (
            connection.scalar(
                select(func.count()).select_from(Translation).where(like_tr, Translation.current)
            )
            or 0
        )
        distinct = (
            connection.scalar(
                select(func.count()).select_from(
                    select(Translation.article_id, Translation.lang)
                    .where(like_tr, Translation.current)
                    .distinct()
                    .subquery()
                )
            )
            or 0
        )
        last = connection.scalar(select(func.max(Job.finished_at)).where(like_job))
    seconds = (last - resumed).total_seconds() if last else float("nan")
    return jobs, done, again, translations, translations - distinct, left, seconds


def refusal(phase: Phase, languages: int) -> str | None:
    """Why a phase's figure does not stand (work dropped, doubled or not all through), or None."""
    wanted = phase.articles * languages
    if phase.statuses != {202: phase.articles}:
        return f"POST statuses {phase.statuses}, not {phase.articles} x 202"
    if phase.jobs != wanted:
        return f"{phase.jobs} jobs made, not {wanted} (articles x languages)"
    if phase.done != wanted or phase.left:
        return f"{phase.done} of {wanted} jobs done, {phase.left} still queued or running"
    if phase.attempts_over_one:
        return f"{phase.attempts_over_one} jobs ran more than once"
    if phase.translations != wanted or phase.duplicates:
        return (
            f"{phase.translations} current translations ({phase.duplicates} duplicates), "
            f"not {wanted}"
        )
    return None


@contextmanager
def workers(
    stack_root: Path, env: dict[str, str], count: int, threads: int
) -> Iterator[list[subprocess.Popen[bytes]]]:
    kakehashi = Path(sys.executable).parent / "kakehashi"
    with ExitStack() as stack:
        started = []
        for i in range(count):
            beat = stack_root / f"worker-{count}-{i}.alive"
            cmd = [str(kakehashi), "worker", "--threads", str(threads)]
            cmd += ["--heartbeat-file", str(beat), "--log-level", "warning"]
            log = stack_root / f"worker-{count}-{i}.log"
            started.append(stack.enter_context(running(cmd, env=env, cwd=stack_root, log=log)))
        deadline = time.monotonic() + 120
        for i, process in enumerate(started):
            beat = stack_root / f"worker-{count}-{i}.alive"
            while not beat.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = (stack_root / f"worker-{count}-{i}.log").read_text(errors="replace")
                    raise RuntimeError(f"worker {i} did not come up:\n{tail[-2000:]}")
                time.sleep(0.2)
        yield started


def archives(model: str, root: Path, cache_dir: Path) -> list[Path]:
    """The .argosmodel file(s) of the package to install."""
    if model == "toy":
        models = root / "toy"
        subprocess.run(
            [sys.executable, "-m", "translators.toymodel", str(models), "--pair", "ja:en"],
            check=True,
            capture_output=True,
        )
        return sorted(models.glob("*.argosmodel"))
    from terminology import shared_dir
    from throughput import bench_package

    wmt = shared_dir() / "eval" / "wmt21-news-jaen"
    if not wmt.is_dir():
        raise SystemExit(f"bench/scale_out: --model realistic needs the WMT21 text in {wmt}")
    bench_package(cache_dir, wmt)
    return sorted((cache_dir / "archives").glob("*ja_en*.argosmodel"))[:1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", default="1,2,3", help="worker process counts, in turn")
    parser.add_argument("--articles", type=int, default=40, help="articles measured per count")
    parser.add_argument("--sentences", type=int, default=8, help="sentences per article")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker process")
    parser.add_argument("--model", choices=("toy", "realistic"), default="toy")
    parser.add_argument("--cache-dir", type=Path, default=Path(".bench-cache"))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per count")
    args = parser.parse_args()
    counts = [int(c) for c in args.workers.split(",")]
    languages = ["en"]  # one job per article: the packages are ja:en
    database = os.environ.get("KAKEHASHI_DATABASE_URL", "")
    redis_url = os.environ.get("KAKEHASHI_REDIS_URL", "")
    if not database.startswith("postgresql") or not redis_url.startswith("redis"):
        print("bench/scale_out: needs KAKEHASHI_DATABASE_URL (PostgreSQL) and KAKEHASHI_REDIS_URL")
        return 1

    # The folder outlives the processes: the stack (API, workers) closes first.
    with tempfile.TemporaryDirectory(prefix="kakehashi-scale-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        url = stack.enter_context(fresh_database("postgresql"))
        redis.Redis.from_url(redis_url).flushdb()  # the bench's own Redis database
        env = {k: v for k, v in os.environ.items() if not k.startswith("KAKEHASHI_")}
        env.update(
            KAKEHASHI_DATA_DIR=str(root / "data"),
            KAKEHASHI_DATABASE_URL=url,
            KAKEHASHI_REDIS_URL=redis_url,
            KAKEHASHI_TARGET_LANGUAGES=",".join(languages),
            KAKEHASHI_WORKER_THREADS="0",  # the API process translates nothing
            KAKEHASHI_ARGOS_PACKAGES_DIR=str(root / "no-argos"),
            # 2 cores / 1 thread: each worker process's model call uses one core
            KAKEHASHI_CT2_THREADS="1",
            KAKEHASHI_RATE_LIMIT_PER_KEY="100000/minute",
        )
        cli(env, "migrate")
        for archive in archives(args.model, root, args.cache_dir):
            cli(env, "models", "install", str(archive))
        token = cli(env, "keys", "create", "--role", "publisher", "--name", "cms")
        port = _free_port()
        api = serve_argv(port)
        process = stack.enter_context(running(api, env=env, cwd=root, log=root / "api.log"))
        _wait_http(port, "/healthz", process, 90, root / "api.log")
        engine = db.make_engine(url)
        stack.callback(engine.dispose)
        client = stack.enter_context(httpx.Client(base_url=f"http://{HOST}:{port}", timeout=60))
        print(
            f"PostgreSQL + Redis, {args.model} ja:en, {args.articles} articles x {args.sentences} "
            f"sentences per count, {args.threads} thread(s) per worker, {os.cpu_count()} CPUs; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        phases: list[Phase] = []
        for turn, count in enumerate(counts):  # a count may repeat (1,2,3,3,2,1: drift shows)
            with workers(root, env, count, args.threads) as started:
                warm = f"warm{turn}"
                warm_statuses = post_all(client, token, warm, 3 * count, args.sentences)
                if warm_statuses != {202: 3 * count}:
                    raise SystemExit(f"refusing to report: warm-up POSTs {warm_statuses}")
                wait_done(engine, warm, 3 * count * len(languages), args.timeout)
                name = f"w{turn}-{count}"
                for process in started:
                    process.send_signal(signal.SIGSTOP)
                posting = time.monotonic()
                statuses = post_all(client, token, name, args.articles, args.sentences)
                posting = time.monotonic() - posting
                load_before = os.getloadavg()[0]
                resumed = datetime.now(UTC)
                for process in started:
                    process.send_signal(signal.SIGCONT)
                wait_done(engine, name, args.articles * len(languages), args.timeout)
                time.sleep(1.0)  # a job run twice would show its second attempt by now
                jobs, done, again, translations, dups, left, seconds = account(
                    engine, name, resumed
                )
            phase = Phase(
                count, args.articles, seconds, jobs, done, again, translations, dups, left, statuses
            )
            phases.append(phase)
            print(
                f"  {count} worker(s): {phase.per_minute:.1f} articles/min ({seconds:.1f} s for "
                f"{args.articles}; POSTed in {posting:.1f} s while paused); jobs {jobs}, "
                f"done {done}, run twice {again}, translations {translations} "
                f"(duplicates {dups}), left {left}, POSTs {statuses}; load "
                f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            if problem := refusal(phase, len(languages)):
                raise SystemExit(f"refusing to report {count} worker(s): {problem}")

    base = phases[0]
    print()
    print(
        f"{'workers':>7} {'articles':>8} {'seconds':>8} {'art/min':>8} {'x 1 worker':>10} "
        f"{'jobs done':>9} {'run twice':>9} {'translations':>12}"
    )
    for p in phases:
        print(
            f"{p.workers:>7} {p.articles:>8} {p.seconds:>8.1f} {p.per_minute:>8.1f} "
            f"{p.per_minute / base.per_minute:>10.2f} {p.done:>9} {p.attempts_over_one:>9} "
            f"{p.translations:>12}"
        )
    per_count: dict[int, list[float]] = {}
    for p in phases:
        per_count.setdefault(p.workers, []).append(p.per_minute)
    if any(len(v) > 1 for v in per_count.values()):  # a count repeated: its mean, drift evened
        one = sum(per_count[base.workers]) / len(per_count[base.workers])
        print(
            "means per count: "
            + ", ".join(
                f"{n} worker(s) {sum(v) / len(v):.1f} articles/min (x{sum(v) / len(v) / one:.2f})"
                for n, v in sorted(per_count.items())
            )
        )
    cores = os.cpu_count() or 1
    print(
        f"\narithmetic: one worker process drains {base.per_minute:.1f} articles/min here "
        f"({args.threads} thread(s), this model and article size). Workers share nothing but "
        f"PostgreSQL and Redis, so N machines running W workers each (W up to their cores / "
        f"threads) give up to N x W x {base.per_minute:.1f} articles/min while the database "
        f"keeps up; on this machine's {cores} cores, shared with other work (load "
        f"{os.getloadavg()[0]:.1f}), more than {max(1, cores // args.threads)} cannot add "
        "any: what the rows above show is that adding them drops and repeats nothing."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
