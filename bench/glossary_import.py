"""A 200k-row DeepL glossary import against a running `kakehashi serve`: memory and feeds.

Usage: .venv/bin/python bench/glossary_import.py [--rows 200000] [--port PORT] [--keep]

In one run, on 127.0.0.1 only (issue 19.8):
  1. seeds a temporary data dir (SQLite, embedded Redis) with published, translated articles, a
     partner key and an editor key;
  2. starts `kakehashi serve --workers 1` (one process, so its RSS is the import's cost) and
     writes a DeepL TSV of N rows (200k rows are about 4.8 MB, under the 5 MB limit);
  3. polls the partner feed for a few quiet seconds, then POSTs the file (dry run, then for
     real) while polling on, sampling the server's RSS every 50 ms;
  4. prints rows and bytes, the server's RSS before, at its peak and after each import, the
     response size and time, and the partner feed's p50/p99 quiet and during each import.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import psutil
from feed_serving import HOST, _free_port, _get, _serve_env, _wait_http, running, seed

FEED = "/feeds/en.json?token={token}"


def write_file(path: Path, rows: int) -> int:
    """A DeepL TSV of `rows` distinct terms; returns its size in bytes."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for i in range(rows):
            out.write(f"用語{i:06d}\tterm{i:06d}\n")
    return path.stat().st_size


def editor_token(url: str) -> str:
    from service import db
    from service.api_keys import create_key

    engine = db.make_engine(url)
    with db.session_scope(db.make_sessionmaker(engine)) as session:
        _, token = create_key(session, name="bench editor", role="editor")
    engine.dispose()
    return token


class Poller:
    """One partner polling its feed in a loop on one keep-alive connection, latencies kept."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.path = port, FEED.format(token=token)
        self.latencies: list[float] = []
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        while not self._stop.is_set():
            start = time.perf_counter()
            try:
                connection.request("GET", self.path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    self.errors += 1
            except OSError:
                self.errors += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
            self.latencies.append(time.perf_counter() - start)
        connection.close()

    def take(self) -> list[float]:
        taken, self.latencies = self.latencies, []
        return taken

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return f"{len(values)} requests"
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms ({len(values)} requests)"


def rss_mb(process: psutil.Process) -> float:
    total: int = sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])
    return total / 2**20


def post_file(port: int, token: str, query: str, body: bytes) -> tuple[int, int, float]:
    connection = http.client.HTTPConnection(HOST, port, timeout=600)
    start = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/tab-separated-values"}
    connection.request("POST", f"/v1/glossaries/bench/import?{query}", body, headers)
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    return response.status, len(answer), time.perf_counter() - start


def measured_import(
    port: int, token: str, query: str, body: bytes, server: psutil.Process, poller: Poller
) -> None:
    before, peak = rss_mb(server), 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb(server))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    poller.take()
    status, size, seconds = post_file(port, token, query, body)
    done.set()
    sampler.join()
    during = poller.take()
    print(f"import ?{query}: HTTP {status}, {size:,} response bytes, {seconds:.1f} s")
    print(f"  server RSS: {before:.0f} MB before, {peak:.0f} MB peak, {rss_mb(server):.0f} after")
    print(f"  partner feed during it: {percentiles(during)}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    kakehashi = Path(sys.executable).parent / "kakehashi"
    if not kakehashi.exists():
        print(f"bench/glossary_import: no {kakehashi}; pip install -e . first")
        return 1
    with ExitStack() as stack:
        root = Path(tempfile.mkdtemp(prefix="kakehashi-bench-import-"))
        if not args.keep:
            stack.callback(shutil.rmtree, root, True)
        data_dir = root / "data"
        data_dir.mkdir()
        url = f"sqlite:///{data_dir / 'kakehashi.sqlite3'}"
        partner = seed(url, args.articles)
        editor = editor_token(url)
        size = write_file(root / "big.tsv", args.rows)
        print(f"file: {args.rows:,} rows, {size:,} bytes")
        port = args.port or _free_port()
        cmd = [str(kakehashi), "serve", "--host", HOST, "--port", str(port), "--workers", "1"]
        process = stack.enter_context(
            running(cmd, env=_serve_env(data_dir, url), cwd=root, log=root / "kakehashi.log")
        )
        _wait_http(port, "/healthz", process, 90, root / "kakehashi.log")
        server = psutil.Process(process.pid)
        auth = {"Authorization": f"Bearer {editor}", "Content-Type": "application/json"}
        created = _get(port, "/v1/glossaries", auth, "POST")  # no body: 422 tells it is up
        assert created[0] in (201, 422), created
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        connection.request("POST", "/v1/glossaries", b'{"name": "bench"}', auth)
        assert connection.getresponse().status == 201
        connection.close()
        poller = Poller(port, partner)
        stack.callback(poller.stop)
        poller.start()
        time.sleep(5)
        print(f"partner feed, quiet: {percentiles(poller.take())}", flush=True)
        body = (root / "big.tsv").read_bytes()
        query = "format=deepl-tsv&target_lang=en"
        measured_import(port, editor, f"{query}&dry_run=true", body, server, poller)
        measured_import(port, editor, query, body, server, poller)
        time.sleep(3)
        print(f"partner feed, after: {percentiles(poller.take())}; {poller.errors} errors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
