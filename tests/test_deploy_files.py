"""The deployment files hold together: compose services restart, the worker has a healthcheck of
its own, migration is a one-shot step the others wait for, no secret is written in the file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[1]


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return data


def test_services_restart_and_wait_for_the_migration() -> None:
    services = _compose()["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker"):
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    for name in ("redis", "postgres"):
        assert services[name]["restart"] == "unless-stopped"


def test_the_worker_is_checked_by_its_heartbeat() -> None:
    worker = _compose()["services"]["worker"]
    command = worker["command"]
    beat = command[command.index("--heartbeat-file") + 1]
    check = worker["healthcheck"]["test"]
    assert check[:3] == ["CMD", "kakehashi", "healthcheck"]
    assert check[check.index("--heartbeat-file") + 1] == beat


def test_models_volume_is_mounted_and_no_password_is_written() -> None:
    text = (ROOT / "compose.yaml").read_text()
    services = _compose()["services"]
    for name in ("api", "worker", "migrate"):
        assert "./models:/models:ro" in services[name]["volumes"]
    assert not re.search(r"PASSWORD: *[A-Za-z0-9]", text)
    assert not re.search(r"://kakehashi:[a-z]", text)  # the password comes from .env
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.M)
