"""Smoke test of the install a user gets: run with the python of a fresh `pip install .` venv
(no extras). Standard library only, so that nothing the test extra brings can hide a missing
runtime dependency.

    python scripts/smoke.py            # exits 0 when every step passed

Steps: the runtime imports are all in [project.dependencies]; `kakehashi serve` (the README's
run command) starts on a free port with a temporary data dir and answers /healthz;
`kakehashi worker` starts beside it and stays up; a toy model is built and installed; keys are
created; an article is posted and appears in /feeds/en.json.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def step(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def fail(message: str, *logs: Path) -> None:
    for log in logs:
        if log.exists():
            print(f"--- {log.name} ---\n{log.read_text()[-6000:]}", file=sys.stderr)
    print(f"smoke: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(method: str, url: str, token: str | None = None, body: object = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def kakehashi(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "kakehashi"), *args], env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        fail(f"kakehashi {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done.stdout


def main() -> None:
    step(f"runtime imports covered by [project.dependencies] ({sys.executable})")
    checker = ROOT.parent / "shared" / "tools" / "check_runtime_deps.py"
    if checker.is_file():
        checked = subprocess.run([sys.executable, str(checker)], cwd=ROOT, check=False)
        if checked.returncode != 0:
            fail("check_runtime_deps.py found imports outside [project.dependencies]")
    else:
        step(f"{checker} is absent: skipping that check (the steps below still run)")
    work = Path(tempfile.mkdtemp(prefix="kakehashi-smoke-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAKEHASHI_")}
    env.update(
        HOME=str(work / "home"),
        KAKEHASHI_DATA_DIR=str(work / "data"),
        KAKEHASHI_TARGET_LANGUAGES="en",
        KAKEHASHI_SWEEP_INTERVAL="0.5",
        KAKEHASHI_WORKER_THREADS="1",
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve_log, worker_log = work / "serve.log", work / "worker.log"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        step(f"kakehashi serve --port {port} (data in {work / 'data'})")
        with serve_log.open("w") as out:
            serve = subprocess.Popen(
                [str(BIN / "kakehashi"), "serve", "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        processes.append(serve)
        deadline = time.monotonic() + 120
        while http("GET", f"{base}/healthz")[0] != 200:
            if serve.poll() is not None or time.monotonic() > deadline:
                fail("serve did not answer /healthz", serve_log)
            time.sleep(0.3)
        step("/healthz answers 200")

        step("kakehashi worker")
        with worker_log.open("w") as out:
            worker = subprocess.Popen(
                [
                    str(BIN / "kakehashi"),
                    "worker",
                    "--threads",
                    "1",
                    "--heartbeat-file",
                    str(work / "worker.alive"),
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        processes.append(worker)
        deadline = time.monotonic() + 60
        while not (work / "worker.alive").exists():
            if worker.poll() is not None or time.monotonic() > deadline:
                fail("worker did not start", worker_log)
            time.sleep(0.3)
        time.sleep(3)
        if worker.poll() is not None:
            fail("worker exited", worker_log)
        kakehashi(env, "healthcheck", "--heartbeat-file", str(work / "worker.alive"))
        step("worker is up and its heartbeat is fresh")

        step("toy model: build and install")
        built = subprocess.run(
            [sys.executable, "-m", "translators.toymodel", str(work / "models-src")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if built.returncode != 0:
            fail(f"toy model build failed:\n{built.stderr}")
        kakehashi(env, "models", "install", built.stdout.strip().splitlines()[-1])
        publisher = json.loads(
            kakehashi(env, "keys", "create", "--role", "publisher", "--name", "cms", "--json")
        )["token"]
        partner = json.loads(
            kakehashi(
                env,
                "keys",
                "create",
                "--role",
                "partner",
                "--name",
                "outlet",
                "--include-needs-review",
                "--json",
            )
        )["token"]

        step("POST /v1/articles")
        status, answer = http(
            "POST",
            f"{base}/v1/articles",
            publisher,
            {
                "id": "smoke-1",
                "title": "煙試験",
                "body": "マスカロフカは古典的な手法だ。\n\n拒否的抑止力が試されている。",
                "url": "https://news.example.jp/smoke-1",
                "published_at": "2026-01-27T06:00:00+09:00",
                "categories": ["security"],
            },
        )
        if status != 202:
            fail(f"POST /v1/articles answered {status}: {answer!r}", serve_log)
        deadline = time.monotonic() + 180
        while True:
            status, answer = http("GET", f"{base}/feeds/en.json?token={partner}")
            items = json.loads(answer).get("items", []) if status == 200 else []
            if any("smoke-1" in item.get("id", "") for item in items):
                break
            if time.monotonic() > deadline:
                fail(f"the article never reached /feeds/en.json ({status})", serve_log, worker_log)
            time.sleep(0.5)
        step("the article is in /feeds/en.json")
        for log in (serve_log, worker_log):
            if "Traceback" in log.read_text():
                fail(f"a traceback in {log.name}", log)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    shutil.rmtree(work, ignore_errors=True)
    step("passed")


if __name__ == "__main__":
    main()
