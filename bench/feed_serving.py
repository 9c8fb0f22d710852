"""Feed serving speed of `kakehashi serve` against nginx serving the same bytes, with wrk.

Usage: .venv/bin/python bench/feed_serving.py [--duration 10] [--connections 32] [--threads 2]
                                       [--articles 50] [--store sqlite|postgresql] [--keep]
                                       [--usage-rounds 3] [--usage-only [--usage-workers 1]]

In one run, on 127.0.0.1 only:
  1. seeds a fresh store (a SQLite file, or with --store postgresql a new database on
     KAKEHASHI_DATABASE_URL, dropped afterwards) with N articles and their English
     translations through the service's own write path (bench/feed_seed.py: as the API stores
     an article and the worker stores and publishes its translation), and a partner key;
  2. starts `kakehashi serve` on it (embedded Redis, no worker threads; the abuse limits raised
     so wrk measures the hot path, not 429s) and fetches /feeds/en.json?token=... once;
     refuses to go on unless that is a 200 holding every item (bytes and items printed);
  3. writes those exact bytes to a file served by nginx (worker_processes 1, access_log off,
     the same Content-Type, Cache-Control and Vary);
  4. runs wrk against: kakehashi 200 (cached feed), kakehashi 304 (If-None-Match with its
     ETag), a bad token (401: it must cost no more than a 304), nginx 200, nginx 304, and
     kakehashi /healthz as the floor of the framework alone; each case is probed first and
     refused (exit 1) when its status is not the one meant, and after the run when wrk saw
     any other status;
  5. prints requests/s and p50/p99 latency per case, with the bytes of each answer, and the
     kakehashi/nginx ratios (targets: 200 >= 0.8x, 304 >= 0.6x, p99 < 10 ms);
  6. usage counting on vs off (issue 23: "within 10% of without"): a second `serve` on the
     same store with KAKEHASHI_USAGE_ENABLED=false, refused unless it serves the same bytes;
     then --usage-rounds rounds of wrk 200 and 304 against each, the order
     alternating from round to round; medians, and the cost ratio off/on of requests/s
     (target <= 1.10). Afterwards the partner's own `GET /v1/usage` must count at least
     every feed answer wrk saw from the counting server and fewer than the two servers
     together (refused otherwise: counting was not on, or the switch did not turn it off).
     With --usage-only, --usage-workers 1 runs both servers as one process: wrk's connections
     then cannot fall unevenly on a server's processes, which moves a round by +-40% on 2 cores.

kakehashi runs as one process (`--workers 1`, as nginx's `worker_processes 1`; --workers to
change it): on the 2-core bench machine wrk takes a core, and a second server process only
competes with it (measured: 304 at 14.2k req/s with two processes, 19.3k with one). The uvicorn
floor (bench/asgi_floor.py: serve's HTTP protocol, no app code, the same bytes and headers) runs
beside them and splits the gap to nginx into the Python server's share and kakehashi's own.

Exits 0 with a message when wrk or nginx is not installed (Debian: apt-get install wrk nginx).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import feed_seed

HOST = "127.0.0.1"
LANG = "en"
FEED_PATH = f"/feeds/{LANG}.json"


@dataclass(frozen=True)
class Result:
    name: str
    status: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: str
    size: int = 0  # bytes of the answer's body


def _which(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for d in ("/usr/sbin", "/sbin") if (p := Path(d) / name).is_file()), None
    )


PAIRS = ("--pair", "ja:en", "--pair", "en:fr")  # the README's toy packages


def cli(env: dict[str, str], *args: str) -> str:
    """Run `kakehashi ARGS` with this environment; its stdout (a failure raises with stderr)."""
    kakehashi = Path(sys.executable).parent / "kakehashi"
    done = subprocess.run([str(kakehashi), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"kakehashi {args[0]} failed: {done.stderr[-2000:]}")
    return done.stdout.strip()


def serve_argv(port: int) -> list[str]:
    """`kakehashi serve` on HOST:port, quiet (warnings only)."""
    kakehashi = Path(sys.executable).parent / "kakehashi"
    return [str(kakehashi), "serve", "--host", HOST, "--port", str(port), "--log-level", "warning"]


def toy_service(env: dict[str, str], root: Path) -> tuple[str, str]:
    """The README's toy packages (ja:en, en:fr) built and installed into a migrated store;
    returns the tokens of a publisher and of a partner that sees translations needing review
    (toy output always does; a default partner would see none)."""
    models = root / "toy"
    subprocess.run(
        [*(sys.executable, "-m", "translators.toymodel", str(models)), *PAIRS],
        check=True,
        capture_output=True,
    )
    cli(env, "migrate")
    for archive in sorted(models.glob("*.argosmodel")):
        cli(env, "models", "install", str(archive))
    cms = cli(env, "keys", "create", "--role", "publisher", "--name", "cms")
    outlet = cli(
        env, "keys", "create", "--role", "partner", "--name", "outlet", "--include-needs-review"
    )
    return cms, outlet


def _free_port() -> int:
    """A free port: the first free one of BENCH_PORTS (e.g. 18300-18399, on a machine whose
    users keep to port ranges), else one the system picks."""
    low, _, high = os.environ.get("BENCH_PORTS", "").partition("-")
    candidates = range(int(low), int(high) + 1) if low and high else [0]
    for candidate in candidates:
        with socket.socket() as s:
            try:
                s.bind((HOST, candidate))
            except OSError:
                continue
            port: int = s.getsockname()[1]
            if port not in _taken:
                _taken.add(port)
                return port
    raise SystemExit(f"no free port in BENCH_PORTS={os.environ.get('BENCH_PORTS')}")


_taken: set[int] = set()  # handed out in this run (a server may not have bound it yet)


def seed(url: str, articles: int) -> str:
    """`articles` articles and their translations through the write path, and a partner key;
    returns the partner token."""
    from service.access.api_keys import create_key
    from service.store import db

    engine = db.make_engine(url)
    db.migrate(engine)
    sessions = db.make_sessionmaker(engine)
    with db.session_scope(sessions) as session:
        for n in range(articles):  # none needs review: a default partner sees every one
            feed_seed.write_one(session, n, LANG)
        _, token = create_key(session, name="bench partner", role="partner")
    print(f"  store: {feed_seed.same_shape(engine, LANG)}")
    engine.dispose()
    return token


@contextmanager
def store(kind: str, data_dir: Path) -> Iterator[str]:
    """A fresh store's URL: a SQLite file in the data dir, or a new PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{data_dir / 'kakehashi.sqlite3'}"
        return
    from feed_scale import fresh_database

    with fresh_database("postgresql") as url:
        yield url


def _get(
    port: int, path: str, headers: Mapping[str, str] | None = None, method: str = "GET"
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on a fresh connection: (status, headers (case-insensitive), body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request(method, path, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _wait_http(
    port: int, path: str, process: subprocess.Popen[bytes], seconds: float, log: Path
) -> None:
    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{tail}")
        try:
            if _get(port, path)[0] == 200:
                return
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"no answer on {HOST}:{port}{path} within {seconds:.0f}s ({last})")


@contextmanager
def running(
    cmd: list[str], *, env: Mapping[str, str], cwd: Path, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, env=dict(env), cwd=cwd, stdout=out, stderr=out)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)


# The limits are raised so that wrk measures serving, not refusals; they are still counted
# (in the process) on every request, so their cost is in the figures.
BENCH_LIMITS = "100000000/minute"


def _serve_env(data_dir: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAKEHASHI_")}
    env.update(
        KAKEHASHI_DATA_DIR=str(data_dir),
        KAKEHASHI_DATABASE_URL=url,
        KAKEHASHI_RATE_LIMIT_PER_KEY=BENCH_LIMITS,
        KAKEHASHI_RATE_LIMIT_PER_IP=BENCH_LIMITS,
        KAKEHASHI_RATE_LIMIT_FAILED_AUTH_PER_IP=BENCH_LIMITS,
        KAKEHASHI_WORKER_THREADS="0",
        KAKEHASHI_TARGET_LANGUAGES=LANG,
        KAKEHASHI_ARGOS_PACKAGES_DIR=str(data_dir / "no-argos"),
    )
    return env


def nginx_conf(root: Path, www: Path, port: int) -> Path:
    temp = root / "nginx-temp"
    temp.mkdir()
    user = "user root;\n" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    conf = root / "nginx.conf"
    conf.write_text(
        f"""{user}worker_processes 1;
daemon off;
master_process on;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ application/feed+json json; }}
    default_type application/octet-stream;
    client_body_temp_path {temp}/client;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    server {{
        listen {HOST}:{port};
        root {www};
        add_header Cache-Control "private, max-age=60";
        add_header Vary Authorization;
    }}
}}
""",
        encoding="utf-8",
    )
    return conf


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def wrk_requests(output: str) -> int:
    """The answers wrk read ("N requests in 10.00s")."""
    match = re.search(r"(\d+) requests in", output)
    if match is None:
        raise ValueError(f"could not read wrk's request count:\n{output}")
    return int(match.group(1))


def parse_wrk(output: str) -> tuple[float, float, float, str]:
    """(requests/s, p50 ms, p99 ms, error summary) from wrk --latency output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s*50(?:\.000)?%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s*99(?:\.000)?%\s+(\S+)", output, re.MULTILINE)
    if not (rps and p50 and p99):
        raise ValueError(f"could not read wrk's output:\n{output}")
    problems = [
        line.strip() for line in output.splitlines() if "Socket errors" in line or "Non-2xx" in line
    ]
    return float(rps.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), "; ".join(problems)


# Feed answers (200 or 304) to the partner per (port, status), wrk's warm-ups and the bench's
# own requests included: what the usage check compares the usage report with.
answered: Counter[tuple[int, int]] = Counter()


def run_wrk(
    wrk: str,
    url: str,
    headers: Mapping[str, str],
    args: argparse.Namespace,
    count_as: tuple[int, int] | None = None,
) -> tuple[float, float, float, str]:
    """A warm-up run, then the measured one (durations in whole seconds, as wrk wants); the
    answers read are added to `answered[count_as]`."""
    base = [wrk, f"-t{args.threads}", f"-c{args.connections}", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        base += ["-H", f"{name}: {value}"]
    runs = [(args.warmup, False)] if args.warmup > 0 else []
    for seconds, measured in [*runs, (args.duration, True)]:
        done = subprocess.run(
            [*base, f"-d{seconds}s", url], capture_output=True, text=True, timeout=seconds + 60
        )
        if done.returncode != 0:  # the URL holds the token: not in the message
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        if count_as is not None:
            answered[count_as] += wrk_requests(done.stdout)
        if measured:
            return parse_wrk(done.stdout)
    raise AssertionError("unreachable")


def _fmt_ms(value: float) -> str:
    return f"{value:.2f} ms" if value >= 0.1 else f"{value * 1000:.0f} us"


def print_table(results: list[Result]) -> None:
    print()
    print(f"{'case':<44} {'status':>6} {'bytes':>8} {'req/s':>10} {'p50':>10} {'p99':>10}")
    print("-" * 93)
    for r in results:
        print(
            f"{r.name:<44} {r.status:>6} {r.size:>8} {r.rps:>10.0f} "
            f"{_fmt_ms(r.p50_ms):>10} {_fmt_ms(r.p99_ms):>10}"
        )
        if r.errors:
            print(f"    wrk: {r.errors}")
    # The feed cases only (/healthz also answers 200 and must not stand in for the feed).
    by = {r.name.split(" ", 1)[0] + str(r.status): r for r in results if "/healthz" not in r.name}
    print()
    for status in (200, 304):
        k, n = by.get(f"kakehashi{status}"), by.get(f"nginx{status}")
        floor = by.get(f"uvicorn{status}")
        if k and n:
            print(
                f"kakehashi/nginx {status}: throughput {k.rps / n.rps:.2f}x nginx "
                f"(target >= {0.8 if status == 200 else 0.6}), "
                f"p99 {_fmt_ms(k.p99_ms)} (target < 10 ms; nginx {_fmt_ms(n.p99_ms)})"
            )
        if k and n and floor:
            print(
                f"  the server alone (uvicorn floor, no app code) {floor.rps / n.rps:.2f}x "
                f"nginx; kakehashi {k.rps / floor.rps:.2f}x the floor"
            )
    bad, not_modified = by.get("kakehashi401"), by.get("kakehashi304")
    if bad and not_modified:
        print(
            f"bad token vs 304: {bad.rps:.0f} vs {not_modified.rps:.0f} req/s "
            f"(a bad token should cost no more than a 304)"
        )


def medians(rounds: list[list[Result]], names: list[str]) -> list[Result]:
    """Per case, the median req/s, p50 and p99 of the rounds (wrk's errors of every round)."""
    found = []
    for name in names:
        runs = [r for one in rounds for r in one if r.name == name]
        found.append(
            Result(
                name,
                runs[0].status,
                statistics.median(r.rps for r in runs),
                statistics.median(r.p50_ms for r in runs),
                statistics.median(r.p99_ms for r in runs),
                "; ".join(r.errors for r in runs if r.errors),
                runs[0].size,
            )
        )
    return found


def print_rounds(rounds: list[list[Result]], names: list[str]) -> None:
    """Each round's req/s per case, and the kakehashi/floor and kakehashi/nginx ratios of each
    round (the cases of one round ran minutes apart at most, alternating order)."""
    print(f"\nmedians of {len(rounds)} rounds (case order reversed every other round); per round:")
    for name in names:
        runs = [f"{r.rps:.0f}" for one in rounds for r in one if r.name == name]
        print(f"  {name:<44} {' / '.join(runs)} req/s")
    for status in (200, 304):
        ratios = []
        for one in rounds:
            by = {
                r.name.split(" ", 1)[0]: r for r in one if r.status == status and "/" not in r.name
            }
            if {"kakehashi", "nginx", "uvicorn"} <= by.keys():
                k = by["kakehashi"].rps
                ratios.append(
                    f"{k / by['nginx'].rps:.2f}x nginx, {k / by['uvicorn'].rps:.2f}x floor"
                )
        print(f"  {status} per round: {'; '.join(ratios)}")


def probe(port: int, path: str, headers: Mapping[str, str], expected: int, body: bytes) -> int:
    """One request of a case before it is measured: refuses (exit 1) when the status is not
    the one meant or a 200 is not the whole feed; returns the answer's bytes."""
    status, _, got = _get(port, path, headers)
    if path.startswith("/feeds/") and status in (200, 304):
        answered[(port, status)] += 1
    if status != expected:
        raise SystemExit(
            f"refusing to report: {path.split('?')[0]} answered {status}, not {expected}"
        )
    if expected == 200 and body and got != body:
        raise SystemExit(f"refusing to report: {port} served {len(got)} bytes, not the feed's")
    return len(got)


def _refuse_errors(name: str, expected: int, errors: str) -> None:
    """wrk counts statuses over 399 as "Non-2xx or 3xx responses": none is allowed where a
    200 or 304 is measured (a 429 or 503 would be measured as if it were the feed)."""
    if expected < 400 and "Non-2xx" in errors:
        raise SystemExit(f"refusing to report {name}: wrk saw other statuses ({errors})")


def start_serve(
    stack: ExitStack,
    root: Path,
    data_dir: Path,
    url: str,
    workers: int,
    env: Mapping[str, str],
    log_name: str = "kakehashi.log",
) -> int:
    kakehashi = Path(sys.executable).parent / "kakehashi"
    port = _free_port()
    cmd = [str(kakehashi), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    log = root / log_name
    process = stack.enter_context(
        running([*cmd, "--log-level", "warning"], env=env, cwd=root, log=log)
    )
    print(f"starting kakehashi serve on {HOST}:{port} ({log_name}) ...", flush=True)
    began = time.monotonic()
    _wait_http(port, "/healthz", process, 90, log)
    print(f"  up in {time.monotonic() - began:.1f}s", flush=True)
    return port


def start_nginx(stack: ExitStack, root: Path, body: bytes) -> tuple[int, str]:
    """nginx serving `body` at FEED_PATH; returns its port and ETag."""
    nginx = _which("nginx")
    assert nginx is not None
    www = Path(tempfile.mkdtemp(prefix="kakehashi-bench-www-"))
    stack.callback(shutil.rmtree, www, True)
    www.chmod(0o755)
    (www / "feeds").mkdir()
    (www / "feeds").chmod(0o755)
    feed_file = www / "feeds" / f"{LANG}.json"
    feed_file.write_bytes(body)
    feed_file.chmod(0o644)
    port = _free_port()
    conf = nginx_conf(root, www, port)
    process = stack.enter_context(
        running(
            [nginx, "-p", str(root), "-c", str(conf), "-e", str(root / "nginx-error.log")],
            env=os.environ,
            cwd=root,
            log=root / "nginx.log",
        )
    )
    _wait_http(port, FEED_PATH, process, 20, root / "nginx-error.log")
    etag = _get(port, FEED_PATH, method="HEAD")[1].get("etag", "")
    return port, etag


_NOT_COPIED = ("date", "server", "content-length", "transfer-encoding", "connection")


def start_floor(stack: ExitStack, root: Path, port: int, feed_path: str, body: bytes) -> int:
    """bench/asgi_floor.py (uvicorn, serve's protocol, no app code) answering `body` with the
    headers kakehashi gave it; returns its port."""
    status, headers, got = _get(port, feed_path)
    answered[(port, status)] += 1
    if status != 200 or got != body:
        raise SystemExit(f"refusing to report: a second fetch answered {status}, {len(got)} bytes")
    copied = {k: v for k, v in headers.items() if k not in _NOT_COPIED}
    (root / "floor-body").write_bytes(body)
    (root / "floor-headers.json").write_text(json.dumps(copied))
    floor_port = _free_port()
    script = Path(__file__).with_name("asgi_floor.py")
    argv = [sys.executable, str(script), str(floor_port), str(root / "floor-body")]
    process = stack.enter_context(
        running(
            [*argv, str(root / "floor-headers.json")],
            env=os.environ,
            cwd=root,
            log=root / "floor.log",
        )
    )
    _wait_http(floor_port, FEED_PATH, process, 20, root / "floor.log")
    return floor_port


def fetch_feed(port: int, token: str, articles: int) -> tuple[bytes, str]:
    """The feed once (fills the caches); refuses unless a 200 holding every item."""
    status, headers, body = _get(port, f"{FEED_PATH}?token={token}")
    answered[(port, status)] += 1
    if status != 200:
        raise SystemExit(f"refusing to report: {FEED_PATH} answered {status}: {body[:300]!r}")
    items = feed_seed.require_page("the feed", body, min(articles, 50))
    print(f"  feed: {len(body)} bytes, {items} items, ETag {headers.get('etag', '')}")
    return body, headers.get("etag", "")


def usage_counts(port: int, token: str) -> tuple[int, int]:
    """(fetches, 304s) the partner's own `GET /v1/usage` reports for today, in `LANG`."""
    today = datetime.now(UTC).date().isoformat()
    status, _, body = _get(
        port, f"/v1/usage?from={today}&to={today}", {"Authorization": f"Bearer {token}"}
    )
    if status != 200:
        raise SystemExit(f"refusing to report: /v1/usage answered {status}: {body[:300]!r}")
    rows = [r for r in json.loads(body) if r["lang"] == LANG]
    return sum(r["fetches"] for r in rows), sum(r["not_modified"] for r in rows)


def check_counted(
    counted: tuple[int, int], on: tuple[int, int], off: tuple[int, int]
) -> str | None:
    """Why the usage figures are not what the comparison claims, or None. `counted` is what
    the usage report holds (fetches, 304s); `on` / `off` are the answers (all, 304s) the
    counting and the non-counting server gave (wrk's reads plus the bench's own requests).
    The counting server's every answer must be counted (a server may count a request whose
    answer wrk stopped reading at the end of a run, so more is allowed), and the other's must
    not: half of them would already show."""
    fetches, not_modified = counted
    if fetches < on[0] or not_modified < on[1]:
        return (
            f"usage counted {fetches} fetches / {not_modified} 304s, fewer than the "
            f"{on[0]} / {on[1]} the counting server answered: counting was not on"
        )
    if off[0] and fetches - on[0] >= off[0] // 2:
        return (
            f"usage counted {fetches - on[0]} fetches more than the counting server answered, "
            f"as many as half the {off[0]} the other gave: KAKEHASHI_USAGE_ENABLED=false "
            "did not turn counting off"
        )
    return None


@dataclass(frozen=True)
class UsageSide:
    name: str  # "on" / "off"
    port: int
    etag: str
    body: bytes  # its feed (the links name its port)


def compare_usage(
    wrk: str, sides: list[UsageSide], feed_path: str, args: argparse.Namespace
) -> dict[tuple[str, int], list[Result]]:
    """--usage-rounds rounds of 200 and 304 on each side, the order of the sides alternating
    from round to round (so drift in the machine's load falls on both alike)."""
    got: dict[tuple[str, int], list[Result]] = {}
    for round_ in range(args.usage_rounds):
        order = sides if round_ % 2 == 0 else sides[::-1]
        for side in order:
            for expected, hdrs in ((200, {}), (304, {"If-None-Match": side.etag})):
                name = f"usage {side.name} {expected}"
                size = probe(side.port, feed_path, hdrs, expected, side.body)
                rps, p50, p99, errors = run_wrk(
                    wrk, f"http://{HOST}:{side.port}{feed_path}", hdrs, args, (side.port, expected)
                )
                _refuse_errors(name, expected, errors)
                got.setdefault((side.name, expected), []).append(
                    Result(name, expected, rps, p50, p99, errors, size)
                )
        print(
            f"  round {round_ + 1}/{args.usage_rounds} ("
            + ", ".join(
                f"{s.name} {got[(s.name, 200)][-1].rps:.0f}/{got[(s.name, 304)][-1].rps:.0f}"
                for s in order
            )
            + f" req/s 200/304; load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    return got


def print_usage(got: dict[tuple[str, int], list[Result]], counted: tuple[int, int]) -> None:
    print()
    print(
        f"usage counting on vs off, same store and bytes, medians of "
        f"{len(got[('on', 200)])} alternated rounds:"
    )
    print(
        f"{'case':<14} {'bytes':>8} {'req/s on':>10} {'req/s off':>10} {'p99 on':>10} "
        f"{'p99 off':>10} {'off/on':>7}  per round off/on"
    )
    for status in (200, 304):
        on, off = got[("on", status)], got[("off", status)]
        on_rps = statistics.median(r.rps for r in on)
        off_rps = statistics.median(r.rps for r in off)
        rounds = " ".join(f"{b.rps / a.rps:.2f}" for a, b in zip(on, off, strict=True))
        print(
            f"{'feed ' + str(status):<14} {on[0].size:>8} {on_rps:>10.0f} {off_rps:>10.0f} "
            f"{_fmt_ms(statistics.median(r.p99_ms for r in on)):>10} "
            f"{_fmt_ms(statistics.median(r.p99_ms for r in off)):>10} "
            f"{off_rps / on_rps:>7.3f}  {rounds}"
        )
    print(
        f"  (off/on = what counting costs in throughput; target <= 1.10. usage report: "
        f"{counted[0]} fetches, {counted[1]} 304s counted)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=6, help="seconds per wrk run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of every case (medians reported)"
    )
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per case")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="kakehashi serve --workers (default 1, as nginx's worker_processes: on 2 cores "
        "wrk takes one; a second server process only competes with it)",
    )
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--usage-rounds",
        type=int,
        default=3,
        help="alternated rounds of usage counting on vs off (0: not compared)",
    )
    parser.add_argument(
        "--usage-only", action="store_true", help="only the usage on/off comparison"
    )
    parser.add_argument(
        "--usage-workers",
        type=int,
        default=0,
        help="with --usage-only: serve --workers of both servers (1: no uneven share of wrk's "
        "connections between a server's processes; default --workers)",
    )
    args = parser.parse_args()
    if args.usage_workers and not args.usage_only:
        parser.error("--usage-workers needs --usage-only (the nginx cases use --workers)")
    if args.usage_only and args.usage_rounds < 1:
        parser.error("--usage-only needs --usage-rounds of at least 1")

    wrk, nginx = _which("wrk"), _which("nginx")
    if wrk is None or nginx is None:
        missing = " and ".join(n for n, p in (("wrk", wrk), ("nginx", nginx)) if p is None)
        print(
            f"bench/feeds: {missing} not installed (Debian: apt-get install -y wrk nginx); skipped"
        )
        return 0
    if not (Path(sys.executable).parent / "kakehashi").exists():
        print("bench/feeds: no kakehashi command; install the project (pip install -e .) first")
        return 1

    with ExitStack() as stack:
        root = Path(tempfile.mkdtemp(prefix="kakehashi-bench-"))
        if not args.keep:
            stack.callback(shutil.rmtree, root, True)
        else:
            print(f"temporary files in {root}")
        data_dir = root / "data"
        data_dir.mkdir()
        url = stack.enter_context(store(args.store, data_dir))
        print(f"seeding {args.articles} articles through the write path ({args.store}) ...")
        token = seed(url, args.articles)
        env = _serve_env(data_dir, url)
        k_port = start_serve(stack, root, data_dir, url, args.usage_workers or args.workers, env)
        feed_path = f"{FEED_PATH}?token={token}"
        body, k_etag = fetch_feed(k_port, token, args.articles)
        n_port, n_etag = start_nginx(stack, root, body)
        print(f"  nginx on {HOST}:{n_port}: ETag {n_etag}")
        f_port = start_floor(stack, root, k_port, feed_path, body)
        print(f"  uvicorn floor (no app code, bench/asgi_floor.py) on {HOST}:{f_port}")
        off_port, off_etag, off_body = 0, "", b""
        if args.usage_rounds > 0:
            # The same store, a data dir (and embedded Redis) of its own, counting switched off.
            off_dir = root / "data-usage-off"
            off_dir.mkdir()
            off_env = {**_serve_env(off_dir, url), "KAKEHASHI_USAGE_ENABLED": "false"}
            off_port = start_serve(
                stack,
                root,
                off_dir,
                url,
                args.usage_workers or args.workers,
                off_env,
                "kakehashi-usage-off.log",
            )
            off_body, off_etag = fetch_feed(off_port, token, args.articles)
            # The same feed but for the links, which name the port asked (the request's host);
            # the ETags differ with them.
            if off_body.replace(f":{off_port}/".encode(), b":PORT/") != body.replace(
                f":{k_port}/".encode(), b":PORT/"
            ):
                at = next(
                    (i for i, (a, b) in enumerate(zip(body, off_body, strict=False)) if a != b),
                    min(len(body), len(off_body)),
                )
                raise SystemExit(
                    f"refusing to report: usage off serves {len(off_body)} bytes, "
                    f"usage on {len(body)}: not the same feed (from byte {at}: "
                    f"{off_body[at - 40 : at + 40]!r} vs {body[at - 40 : at + 40]!r})"
                )
        cases = [
            ("kakehashi 200 cached feed", k_port, feed_path, {}, 200),
            ("kakehashi 304 If-None-Match", k_port, feed_path, {"If-None-Match": k_etag}, 304),
            # Right after the 304 it is compared with, so both see the same machine load.
            ("kakehashi 401 bad token", k_port, f"{FEED_PATH}?token=kh_par_bad", {}, 401),
            ("nginx 200 same bytes", n_port, FEED_PATH, {}, 200),
            ("nginx 304 If-None-Match", n_port, FEED_PATH, {"If-None-Match": n_etag}, 304),
            ("uvicorn floor 200 (no app code)", f_port, FEED_PATH, {}, 200),
            ("uvicorn floor 304", f_port, FEED_PATH, {"If-None-Match": k_etag}, 304),
            ("kakehashi /healthz (framework floor)", k_port, "/healthz", {}, 200),
        ]
        print(
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s per case "
            f"(+{args.warmup}s warm-up); {os.cpu_count()} CPUs seen; store {args.store}; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        rounds: list[list[Result]] = []
        for n in range(0 if args.usage_only else args.rounds):
            print(f"  round {n + 1} of {args.rounds}:", flush=True)
            rounds.append([])
            for name, port, path, hdrs, expected in cases if n % 2 == 0 else cases[::-1]:
                size = probe(port, path, hdrs, expected, body if "healthz" not in path else b"")
                print(f"    {name} ...", flush=True)
                counts = (port, expected) if path.startswith("/feeds/") and expected < 400 else None
                url = f"http://{HOST}:{port}{path}"
                rps, p50, p99, errors = run_wrk(wrk, url, hdrs, args, counts)
                _refuse_errors(name, expected, errors)
                rounds[-1].append(Result(name, expected, rps, p50, p99, errors, size))
        if rounds:
            print_table(medians(rounds, [c[0] for c in cases]))
            print_rounds(rounds, [c[0] for c in cases])
        if args.usage_rounds > 0:
            print(f"usage counting on ({k_port}) vs off ({off_port}) ...", flush=True)
            sides = [
                UsageSide("on", k_port, k_etag, body),
                UsageSide("off", off_port, off_etag, off_body),
            ]
            got = compare_usage(wrk, sides, feed_path, args)
            time.sleep(2.5)  # each process sends its counts to Redis every second
            counted = usage_counts(k_port, token)
            problem = check_counted(
                counted,
                (answered[(k_port, 200)] + answered[(k_port, 304)], answered[(k_port, 304)]),
                (answered[(off_port, 200)] + answered[(off_port, 304)], answered[(off_port, 304)]),
            )
            print_usage(got, counted)
            if problem:
                raise SystemExit(f"refusing to report: {problem}")
        print(f"load average after the run: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
