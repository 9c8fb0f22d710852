"""The compose topology, run for real: scripts/container-check's last step (CI's container stage).

    KAKEHASHI_CI_IMAGE=kakehashi:ci python3 scripts/container_smoke.py

Runs compose.yaml + compose.host.yaml (host networking, no bridge) against the host's
PostgreSQL (its own database) and Redis (its own database number): migrate once, the api on a
port that is not the default (so its healthcheck passes only if the probe follows
KAKEHASHI_PORT), two workers. Installs a toy model, pushes articles through to a feed, kills
the worker that holds running jobs and sees the other finish them, checks that `docker stop`
ends the rest cleanly, and tears everything down. The standard library (and the YAML reader
docker-compose brings) only: it runs with the host's python3.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IMAGE = os.environ.get("KAKEHASHI_CI_IMAGE", "kakehashi:latest")
PG_PORT = os.environ.get("KAKEHASHI_CI_PG_PORT", "5432")
REDIS_PORT = os.environ.get("KAKEHASHI_CI_REDIS_PORT", "6390")
REDIS_DB = os.environ.get("KAKEHASHI_CI_REDIS_DB", "5")
API_PORT = os.environ.get("KAKEHASHI_CI_API_PORT", "18580")
DATABASE = "kakehashi_container_ci"
PROJECT = "kakehashi-ci"
GRACE_SECONDS = 30  # compose.yaml's stop_grace_period
ARTICLES = 6


def step(message: str) -> None:
    print(f"container-smoke: {message}", flush=True)


class Failed(Exception):
    pass


def run(*args: str, check: bool = True, timeout: float = 300, quiet: bool = False) -> str:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise Failed(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-4000:]}")
    if not quiet and done.stderr.strip() and done.returncode != 0:
        print(done.stderr, file=sys.stderr)
    return done.stdout


def compose_command() -> list[str]:
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"]


class Topology:
    """The compose project in a scratch project directory (its .env, secret and ./models)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.base = [
            *compose_command(),
            "--project-name",
            PROJECT,
            "--project-directory",
            str(work),
            "-f",
            str(ROOT / "compose.yaml"),
            "-f",
            str(ROOT / "compose.host.yaml"),
        ]
        os.environ.update(
            KAKEHASHI_IMAGE=IMAGE,
            HOST_PG_PORT=PG_PORT,
            HOST_DATABASE=DATABASE,
            HOST_REDIS_PORT=REDIS_PORT,
            HOST_REDIS_DB=REDIS_DB,
            HOST_API_PORT=API_PORT,
        )
        (work / "models").mkdir()
        (work / "secrets").mkdir()
        password = work / "secrets" / "database_password"
        password.write_text("kakehashi\n")
        password.chmod(0o644)  # read inside by the kakehashi user (uid 10001)
        (work / ".env").write_text(
            "KAKEHASHI_TARGET_LANGUAGES=en\n"
            "KAKEHASHI_JOB_LEASE_SECONDS=6\n"
            "KAKEHASHI_SWEEP_INTERVAL=1\n"
            f"KAKEHASHI_PUBLIC_URL=http://127.0.0.1:{API_PORT}\n"
        )

    def __call__(self, *args: str, timeout: float = 300) -> str:
        return run(*self.base, *args, timeout=timeout)

    def kakehashi(self, *args: str) -> str:
        """`kakehashi ...` in the running api container (compose v1's `run` adds links, which
        host networking refuses)."""
        return self("exec", "-T", "api", "kakehashi", *args)

    def containers(self, service: str) -> list[str]:
        return self("ps", "-q", service).split()

    def logs(self) -> str:
        return run(*self.base, "logs", "--no-color", "--tail", "60", check=False, quiet=True)


def inspect(container: str, template: str) -> str:
    return run("docker", "inspect", "-f", template, container).strip()


def in_image(code: str, check: bool = True) -> str:
    """Python in the image on the host's network: the drivers are there, not on the host."""
    return run(
        "docker",
        "run",
        "--rm",
        "--network",
        "host",
        "--entrypoint",
        "python",
        IMAGE,
        "-c",
        code,
        check=check,
    )


def reset_stores() -> None:
    """A database of our own, made afresh, and our Redis database emptied."""
    in_image(
        "import psycopg\n"
        f"with psycopg.connect('host=127.0.0.1 port={PG_PORT} user=kakehashi "
        "password=kakehashi dbname=kakehashi', autocommit=True) as c:\n"
        f"    c.execute('DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)')\n"
        f"    c.execute('CREATE DATABASE {DATABASE}')\n"
        "import redis\n"
        f"redis.Redis(port={REDIS_PORT}, db={REDIS_DB}).flushdb()\n"
    )


def drop_stores() -> None:
    in_image(
        "import psycopg, redis\n"
        f"with psycopg.connect('host=127.0.0.1 port={PG_PORT} user=kakehashi "
        "password=kakehashi dbname=kakehashi', autocommit=True) as c:\n"
        f"    c.execute('DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)')\n"
        f"redis.Redis(port={REDIS_PORT}, db={REDIS_DB}).flushdb()\n",
        check=False,
    )


def wait_for(what: str, ready: Callable[[], bool], seconds: float) -> float:
    started = time.monotonic()
    while not ready():
        if time.monotonic() - started > seconds:
            raise Failed(f"{what}: not within {seconds:.0f} s")
        time.sleep(1)
    return time.monotonic() - started


def http(method: str, path: str, token: str | None = None, body: object = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{API_PORT}{path}", data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None
    except (urllib.error.URLError, OSError):
        return 0, None


def check_compose_files() -> None:
    """What the topology cannot show on this machine (its postgres is the host's): the
    compose file checks PostgreSQL over TCP, so the init server's Unix socket cannot pass for a
    started server (docker-library/postgres#880), and migrate waits instead of failing."""
    import yaml

    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    test = services["postgres"]["healthcheck"]["test"]
    tcp = "-h" in test and test[test.index("-h") + 1 :][:1] == ["127.0.0.1"]
    if "pg_isready" not in test or not tcp:
        raise Failed(f"compose.yaml: postgres must be checked over TCP (-h 127.0.0.1): {test}")
    migrate = services["migrate"]
    if "--wait" not in migrate["command"] or migrate.get("healthcheck") != {"disable": True}:
        raise Failed("compose.yaml: migrate must --wait and have no healthcheck")
    for name in ("api", "worker"):
        check = " ".join(services[name]["healthcheck"]["test"])
        if "service.probe" not in check or "8000" in check:
            raise Failed(f"compose.yaml: {name} must use the probe, with no fixed port: {check}")
    step("compose.yaml: TCP postgres check, migrate --wait, probes without a fixed port")


def bring_up(topology: Topology) -> None:
    step(f"compose up: migrate, api on port {API_PORT}, two workers (host network)")
    topology("up", "-d", "--scale", "worker=2", timeout=600)
    (migrate,) = topology("ps", "-a", "-q", "migrate").split()
    waited = wait_for(
        "migrate exits 0",
        lambda: inspect(migrate, "{{.State.Status}} {{.State.ExitCode}}") == "exited 0",
        180,
    )
    restarts = inspect(migrate, "{{.RestartCount}}")
    step(f"migrate exited 0 after {waited:.0f} s ({restarts} restarts)")
    networks = set(run("docker", "network", "ls", "--format", "{{.Name}}").split())
    if networks - {"host", "none"}:
        raise Failed(f"a network was created: {sorted(networks - {'host', 'none'})}")
    (api,) = topology.containers("api")
    workers = topology.containers("worker")
    if len(workers) != 2:
        raise Failed(f"expected two workers, found {workers}")
    for container in (api, *workers):
        waited = wait_for(
            f"{container[:12]} healthy",
            lambda c=container: inspect(c, "{{.State.Health.Status}}") == "healthy",  # type: ignore[misc]
            150,
        )
        name = inspect(container, "{{.Name}}").lstrip("/")
        step(f"{name} healthy after {waited:.0f} s")
    if http("GET", "/healthz")[0] != 200:
        raise Failed(f"/healthz does not answer on port {API_PORT}")
    # compose.yaml names its own check; the image's (what `docker run` uses) must follow the
    # port too: run it in the api container, whose KAKEHASHI_PORT is not the default.
    test = json.loads(inspect(IMAGE, "{{json .Config.Healthcheck.Test}}"))
    if test[0] != "CMD" or "service.probe" not in test:
        raise Failed(f"the image's HEALTHCHECK is not the probe: {test}")
    run("docker", "exec", api, *test[1:])
    step(f"the image's own healthcheck passes on port {API_PORT}: {' '.join(test[1:])}")


def install_model_and_keys(topology: Topology) -> dict[str, str]:
    step("toy model: built and installed from the api container")
    topology(
        "exec",
        "-T",
        "api",
        "sh",
        "-c",
        "python -m translators.toymodel toy-models --pair ja:en >/dev/null"
        " && kakehashi models install toy-models/translate-ja_en-1_0.argosmodel",
    )
    tokens = {}
    for role, extra in (("admin", []), ("publisher", []), ("partner", ["--include-needs-review"])):
        out = topology.kakehashi("keys", "create", "--role", role, "--name", role, *extra, "--json")
        tokens[role] = json.loads(out)["token"]
    return tokens


def article(n: int) -> dict[str, object]:
    # Enough sentences that a job runs for a while, so the kill below catches one running.
    body = "\n\n".join(f"第{i}段落。拒否的抑止力が試されている。" * 4 for i in range(150))
    return {
        "id": f"container-{n}",
        "title": f"コンテナ試験 {n}",
        "body": body,
        "url": f"https://news.example.jp/container-{n}",
        "published_at": "2026-01-27T06:00:00+09:00",
    }


def feed_ids(token: str) -> set[str]:
    status, feed = http("GET", f"/feeds/en.json?token={token}")
    return {item["id"] for item in feed.get("items", [])} if status == 200 and feed else set()


def feed_and_failover(topology: Topology, tokens: dict[str, str]) -> str:
    """Returns the worker that survives."""
    doomed, other = topology.containers("worker")
    # Only the doomed worker takes jobs while the other is frozen: every running job is its.
    run("docker", "pause", other)
    run("docker", "update", "--restart", "no", doomed)  # it stays dead: the other must finish
    for n in range(ARTICLES):
        status, _ = http("POST", "/v1/articles", tokens["publisher"], article(n))
        if status != 202:
            raise Failed(f"POST /v1/articles answered {status}")
    step(f"{ARTICLES} articles posted; waiting for a running job")
    running: list[str] = []

    def some_running() -> bool:
        _, page = http("GET", "/v1/jobs?state=running", tokens["admin"])
        running[:] = [job["id"] for job in (page or {}).get("items", [])]
        return bool(running)

    wait_for("a job running on the first worker", some_running, 120)
    run("docker", "kill", doomed)  # at once: a job seen running is still running
    jobs = {job: http("GET", f"/v1/jobs/{job}", tokens["admin"])[1] or {} for job in running}
    victims = [job for job, seen in jobs.items() if seen.get("state") == "running"]
    if not victims:
        raise Failed("no job was still running when the worker was killed: longer articles?")
    run("docker", "unpause", other)
    name = inspect(doomed, "{{.Name}}").lstrip("/")
    step(f"killed {name} while it ran {len(victims)} jobs; the other worker resumed")

    def finished() -> bool:
        seen = [http("GET", f"/v1/jobs/{job}", tokens["admin"])[1] or {} for job in victims]
        return all(job.get("state") == "done" and job.get("attempts", 0) >= 2 for job in seen)

    waited = wait_for("the killed worker's jobs run again and done", finished, 180)
    step(f"its jobs ran again on the other worker and were done {waited:.0f} s after the kill")
    wanted = [f"container-{n}" for n in range(ARTICLES)]

    def all_in_feed() -> bool:
        ids = feed_ids(tokens["partner"])
        return all(any(want in item for item in ids) for want in wanted)

    wait_for("every article in /feeds/en.json", all_in_feed, 180)
    step(f"all {ARTICLES} articles are in /feeds/en.json")
    if inspect(doomed, "{{.State.Running}}") != "false":
        raise Failed("the killed worker is running again")
    return other


def stop_cleanly(topology: Topology, worker: str) -> None:
    """The surviving worker and the api end within the grace period on SIGTERM."""
    for container in (worker, *topology.containers("api")):
        name = inspect(container, "{{.Name}}").lstrip("/")
        started = time.monotonic()
        run("docker", "stop", "-t", str(GRACE_SECONDS), container, timeout=GRACE_SECONDS + 30)
        took = time.monotonic() - started
        code = int(inspect(container, "{{.State.ExitCode}}"))
        if code not in (0, 143) or took >= GRACE_SECONDS:
            raise Failed(f"docker stop {name}: exit {code} after {took:.1f} s")
        step(f"docker stop {name}: exit {code} in {took:.1f} s")


def main() -> int:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="kakehashi-compose-"))
    work.chmod(0o755)
    topology = Topology(work)
    try:
        check_compose_files()
        reset_stores()
        bring_up(topology)
        tokens = install_model_and_keys(topology)
        survivor = feed_and_failover(topology, tokens)
        stop_cleanly(topology, survivor)
    except (Failed, subprocess.TimeoutExpired) as exc:
        print(topology.logs(), file=sys.stderr)
        print(f"container-smoke: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        run(*topology.base, "down", "--volumes", "--remove-orphans", "-t", "5", check=False)
        drop_stores()
        shutil.rmtree(work, ignore_errors=True)
    step(f"passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
