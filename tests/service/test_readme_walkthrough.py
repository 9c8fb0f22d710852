"""The README's "First article, step by step" works as written: its shell block runs, unchanged,
against a real `kakehashi serve`, and the article reaches the English and French feeds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.service.processes import answers, free_port, kakehashi_env, running, wait_until

pytestmark = pytest.mark.slow
README = Path(__file__).parents[2] / "README.md"


def walkthrough() -> str:
    section = README.read_text().split("### First article, step by step", 1)[1]
    blocks = section.split("```sh\n")[1:]
    activate = ". .venv-serve/bin/activate"
    script = next(b.split("```", 1)[0] for b in blocks if b.startswith(activate))
    return script


def test_walkthrough_runs_as_written(
    tmp_path: Path, database_url: str, clean_redis: object
) -> None:
    script = walkthrough()
    assert "translate-ja_en-1_0.argosmodel" in script
    assert script.index("translators.toymodel") < script.index("models install")
    env = kakehashi_env(
        tmp_path / "data",
        database_url,
        HOME=str(tmp_path / "home"),
        KAKEHASHI_TARGET_LANGUAGES="en,fr",
        KAKEHASHI_SWEEP_INTERVAL="0.5",
    )
    port = free_port()
    log = tmp_path / "serve.log"
    work = tmp_path / "work"
    work.mkdir()
    (work / ".venv-serve").symlink_to(Path(sys.prefix))  # the walkthrough activates it
    with running(["serve", "--port", str(port)], env, log) as serve:
        wait_until(answers(f"http://127.0.0.1:{port}/healthz"), "serve up", serve, log)
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=work,
            env={**env, "KH": f"http://127.0.0.1:{port}"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{log.read_text()}"
    assert '"id":"urn:kakehashi:article:a-1:en"' in done.stdout.replace(" ", "")
    assert "urn:kakehashi:article:a-1:fr" in done.stdout
    assert "Traceback" not in log.read_text()
