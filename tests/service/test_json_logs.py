"""KAKEHASHI_LOG_FORMAT=json: every log line is one JSON object a collector can index (time,
level, logger, message, exception), with tokens redacted as in text lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import logging
from service import logs
from service.settings import Settings
settings = Settings(_env_file=None)
logs.configure("INFO", settings.log_format)
log = logging.getLogger("kakehashi.test")
log.info("GET /feeds/en.atom?token=%s 200", "kh_par_secret")
try:
    raise ValueError("boom ?token=kh_par_secret")
except ValueError:
    log.exception("failed")
"""


def test_json_lines_with_tokens_redacted() -> None:
    env = {**os.environ, "KAKEHASHI_LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert len(lines) == 2, done.stderr
    first, second = lines
    assert first["level"] == "info" and first["logger"] == "kakehashi.test"
    assert first["message"] == "GET /feeds/en.atom?token=[redacted] 200"
    assert first["time"].endswith("+00:00")
    assert second["level"] == "error" and "ValueError" in second["exception"]
    assert "kh_par_secret" not in done.stderr
