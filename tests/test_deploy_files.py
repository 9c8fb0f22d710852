"""The deployment files hold together (static checks; CI's container stage runs them for real,
scripts/container-check): migrate waits and retries and the others wait for it, PostgreSQL is
checked over TCP (docker-library/postgres#880), the healthchecks are the cheap probe on the
configured port, every service has a start period, the password is a secret and never in a
URL, the host-network override covers every service, and the image installs from the lock."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[1]


def _services(name: str = "compose.yaml") -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / name).read_text())
    services: dict[str, Any] = data["services"]
    return services


def test_migrate_waits_retries_and_the_others_wait_for_it() -> None:
    services = _services()
    migrate = services["migrate"]
    assert migrate["command"][:2] == ["migrate", "--wait"]
    assert migrate["restart"] == "on-failure"
    assert migrate["healthcheck"] == {"disable": True}  # not the image's API check
    for name in ("api", "worker"):
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    for name in ("redis", "postgres"):
        assert services[name]["restart"] == "unless-stopped"


def test_postgres_is_checked_over_tcp() -> None:
    test = _services()["postgres"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "pg_isready"]
    assert test[test.index("-h") + 1] == "127.0.0.1"


def test_healthchecks_are_the_probe_without_a_fixed_port_and_have_start_periods() -> None:
    services = _services()
    api, worker = services["api"], services["worker"]
    assert api["healthcheck"]["test"] == ["CMD", "python", "-m", "service.probe", "http"]
    beat = worker["command"][worker["command"].index("--heartbeat-file") + 1]
    assert worker["healthcheck"]["test"][:5] == [
        "CMD",
        "python",
        "-m",
        "service.probe",
        "heartbeat",
    ]
    assert worker["healthcheck"]["test"][5] == beat
    for name in ("api", "worker", "redis", "postgres"):
        assert "start_period" in services[name]["healthcheck"], name
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    (check,) = re.findall(r"^HEALTHCHECK .*", dockerfile, re.M)
    assert "service.probe" in check and "8000" not in check and "--start-period" in check


def test_the_password_is_a_secret_never_in_a_url_or_the_environment() -> None:
    text = (ROOT / "compose.yaml").read_text()
    services = _services()
    assert not re.search(r"PASSWORD: *[A-Za-z0-9$]", text.replace("PASSWORD_FILE:", ""))
    assert "://kakehashi@postgres:" in text and not re.search(r"://kakehashi:", text)
    for name in ("api", "worker", "migrate", "postgres"):
        assert services[name]["secrets"] == ["kakehashi_database_password"], name
    for name in ("api", "worker", "migrate"):
        assert "./models:/models:ro" in services[name]["volumes"]
    assert "POSTGRES_PASSWORD" not in (ROOT / ".env.example").read_text()


def test_the_host_override_puts_every_service_on_the_host_network() -> None:
    base, host = _services(), _services("compose.host.yaml")
    assert set(host) == set(base)
    for name, service in host.items():
        assert service["network_mode"] == "host", name
        assert "ports" not in base[name], f"{name}: ports go in compose.override.yaml"
    assert host["api"]["environment"]["KAKEHASHI_PORT"] == "${HOST_API_PORT:-8000}"
    assert _services("compose.override.yaml")["api"]["ports"] == ["8000:8000"]


def test_the_image_installs_the_lock_before_the_source() -> None:
    lines = [
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.startswith("#")
    ]
    text = "\n".join(lines)
    assert re.search(r"^ARG BASE_IMAGE=kakehashi-base:bookworm$", text, re.M)
    lock = next(i for i, line in enumerate(lines) if "--require-hashes -r" in line)
    first_source = next(i for i, line in enumerate(lines) if line.startswith("COPY service"))
    assert lock < first_source
    assert "/wheels" not in text
    assert re.search(r"^USER kakehashi$", text, re.M) and re.search(r"^WORKDIR /", text, re.M)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv*", ".env", "data", "models", "bench"} <= set(ignored)


def test_ci_runs_the_container_stage() -> None:
    assert "scripts/container-check" in (ROOT / ".ci" / "run").read_text()
    check = (ROOT / "scripts" / "container-check").read_text()
    assert "--bridge=none" in check and "docker build --network host" in check
    # Only the daemon it starts itself (bridge-less), on its own socket: never one found running.
    assert 'export DOCKER_HOST="unix://$RUNDIR/docker.sock"' in check
    start = check[check.index("start_dockerd() {") :]
    start = start[: start.index("\n}\n")]
    assert start.index("export DOCKER_HOST") < start.index("docker info")
