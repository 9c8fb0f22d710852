"""Keys an operator can manage: `keys list --json` with each key's last use, `keys rotate`
(a new token for the same key, the old one refused at once) and `keys scope` (a partner's
languages and sections changed in place)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.cli import app as cli_app
from service.runtime import Runtime
from tests.service.conftest import auth

runner = CliRunner()


def _env(runtime: Runtime) -> dict[str, str]:
    return {
        "KAKEHASHI_DATABASE_URL": runtime.settings.resolved_database_url,
        "KAKEHASHI_DATA_DIR": str(runtime.settings.data_dir),
        "KAKEHASHI_TARGET_LANGUAGES": "en,fr",
    }


def _keys(runtime: Runtime) -> dict[int, dict[str, object]]:
    listed = runner.invoke(cli_app, ["keys", "list", "--json"], env=_env(runtime))
    assert listed.exit_code == 0, listed.output
    return {k["id"]: k for k in json.loads(listed.stdout)}


def _create_partner(runtime: Runtime) -> tuple[int, str]:
    args = ["keys", "create", "--role", "partner", "--name", "outlet", "--json"]
    created = runner.invoke(cli_app, args, env=_env(runtime))
    assert created.exit_code == 0, created.output
    key = json.loads(created.stdout)
    return int(key["id"]), str(key["token"])


def test_last_use_rotate_and_scope(client: TestClient, runtime: Runtime) -> None:
    key_id, token = _create_partner(runtime)
    assert _keys(runtime)[key_id]["last_used_at"] is None
    assert client.get("/v1/whoami", headers=auth(token)).status_code == 200
    assert _keys(runtime)[key_id]["last_used_at"] is not None

    rotated = runner.invoke(cli_app, ["keys", "rotate", str(key_id)], env=_env(runtime))
    assert rotated.exit_code == 0, rotated.output
    new_token = rotated.stdout.strip()
    assert new_token.startswith("kh_par_") and new_token != token
    assert client.get("/v1/whoami", headers=auth(token)).status_code == 401
    whoami = client.get("/v1/whoami", headers=auth(new_token))
    assert whoami.status_code == 200 and whoami.json()["name"] == "outlet"

    args = ["keys", "scope", str(key_id), "--language", "en", "--section", "politics"]
    scoped = runner.invoke(cli_app, args, env=_env(runtime))
    assert scoped.exit_code == 0, scoped.output
    me = client.get("/v1/whoami", headers=auth(new_token)).json()
    assert me["languages"] == ["en"] and me["sections"] == ["politics"]
    assert _keys(runtime)[key_id]["languages"] == ["en"]


def test_scope_and_rotate_refuse_what_they_cannot_change(runtime: Runtime) -> None:
    env = _env(runtime)
    args = ["keys", "create", "--role", "editor", "--name", "desk", "--json"]
    editor = json.loads(runner.invoke(cli_app, args, env=env).stdout)["id"]
    refused = runner.invoke(cli_app, ["keys", "scope", str(editor), "--language", "en"], env=env)
    assert refused.exit_code == 2 and "only partner keys have a scope" in refused.output
    runner.invoke(cli_app, ["keys", "revoke", str(editor)], env=env)
    gone = runner.invoke(cli_app, ["keys", "rotate", str(editor)], env=env)
    assert gone.exit_code == 2 and "revoked" in gone.output
    bad = runner.invoke(cli_app, ["keys", "scope", "999"], env=env)
    assert bad.exit_code == 2 and "no key with id 999" in bad.output
