"""What containers rely on: a healthcheck probe that loads no framework (it runs every 15 s),
answers for the API and a worker's heartbeat; a database password given apart from the URL
(any characters, or a secret file); `migrate --wait` riding out a database still starting."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from service.cli import app as cli_app
from service.probe import check_heartbeat, check_http
from service.settings import Settings


def test_the_probe_loads_no_framework() -> None:
    code = (
        "import sys, service.probe\n"
        "print(sorted(m for m in ('pydantic', 'typer', 'rich', 'sqlalchemy', 'fastapi')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture
def answering() -> Iterator[dict[str, int]]:
    """A local HTTP server whose /healthz answers the status in the returned dict."""
    state = {"status": 200}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(state["status"] if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["port"] = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_probe_http_follows_the_port_setting(answering: dict[str, int]) -> None:
    env = {**os.environ, "KAKEHASHI_PORT": str(answering["port"])}
    probe = [sys.executable, "-m", "service.probe", "http"]
    assert subprocess.run(probe, env=env, capture_output=True).returncode == 0
    answering["status"] = 503
    failed = subprocess.run(probe, env=env, capture_output=True, text=True)
    assert failed.returncode == 1 and "answered 503" in failed.stderr
    assert check_http("http://127.0.0.1:9/healthz") is not None  # nothing listens there


def test_probe_heartbeat(tmp_path: Path) -> None:
    beat = tmp_path / "alive"
    assert "no heartbeat" in (check_heartbeat(beat, 30) or "")
    beat.touch()
    assert check_heartbeat(beat, 30) is None
    old = time.time() - 120
    os.utime(beat, (old, old))
    assert "s old" in (check_heartbeat(beat, 30) or "")


def test_a_password_apart_from_the_url_may_hold_any_character(tmp_path: Path) -> None:
    password = "p@ss:w/rd?#%"
    settings = Settings(
        database_url="postgresql+psycopg://kakehashi@db:5432/kakehashi",
        database_password=SecretStr(password),
        _env_file=None,  # type: ignore[call-arg]
    )
    url = make_url(settings.resolved_database_url)
    assert url.password == password and url.host == "db" and url.database == "kakehashi"

    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "kakehashi_database_password").write_text(password)
    from_file = Settings(
        database_url="postgresql+psycopg://kakehashi@db/kakehashi",
        _env_file=None,  # type: ignore[call-arg]
        _secrets_dir=secrets,
    )
    assert make_url(from_file.resolved_database_url).password == password


def test_migrate_waits_for_a_database_then_says_it_does_not_answer(tmp_path: Path) -> None:
    env = {
        "KAKEHASHI_DATABASE_URL": "postgresql+psycopg://kakehashi:x@127.0.0.1:9/kakehashi",
        "KAKEHASHI_DATA_DIR": str(tmp_path),
    }
    started = time.monotonic()
    result = CliRunner().invoke(cli_app, ["migrate", "--wait", "2"], env=env)
    assert result.exit_code == 1
    assert "waiting for the database" in result.output
    assert "the database does not answer" in result.output
    assert time.monotonic() - started >= 1.0  # it retried rather than failing at once
