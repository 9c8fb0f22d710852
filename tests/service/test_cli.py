"""The operator's CLI: clear messages and exit codes, never a traceback."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from service.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "KAKEHASHI_DATA_DIR": str(tmp_path / "data"),
        "KAKEHASHI_DATABASE_URL": database_url,
        "KAKEHASHI_ARGOS_PACKAGES_DIR": str(tmp_path / "no-argos"),
    }


def test_keys_lifecycle(env: dict[str, str]) -> None:
    created = runner.invoke(
        app,
        ["keys", "create", "--role", "partner", "--name", "outlet", "--language", "en", "--json"],
        env=env,
    )
    assert created.exit_code == 0, created.output
    key = json.loads(created.stdout)
    assert key["token"].startswith("kh_par_") and len(key["token"]) > 40
    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert listed.exit_code == 0 and "outlet" in listed.stdout
    assert key["token"] not in listed.stdout
    revoked = runner.invoke(app, ["keys", "revoke", str(key["id"])], env=env)
    assert revoked.exit_code == 0
    missing = runner.invoke(app, ["keys", "revoke", "999"], env=env)
    assert missing.exit_code == 2 and "no key with id 999" in missing.output


def test_keys_create_refuses_unknown_role(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["keys", "create", "--role", "root", "--name", "x"], env=env)
    assert result.exit_code == 2
    assert "unknown role 'root'" in result.output and "Traceback" not in result.output


def test_models_install_list_remove(env: dict[str, str], tiny_package_zip: Path) -> None:
    assert "no models installed" in runner.invoke(app, ["models", "list"], env=env).stdout
    installed = runner.invoke(app, ["models", "install", str(tiny_package_zip)], env=env)
    assert installed.exit_code == 0, installed.output
    assert "ja -> en" in installed.stdout
    listed = json.loads(runner.invoke(app, ["models", "list", "--json"], env=env).stdout)
    assert [(p["source"], p["target"]) for p in listed] == [("ja", "en")]
    removed = runner.invoke(app, ["models", "remove", "ja:en"], env=env)
    assert removed.exit_code == 0, removed.output
    assert json.loads(runner.invoke(app, ["models", "list", "--json"], env=env).stdout) == []


def test_models_install_refuses_bad_packages(env: dict[str, str], tmp_path: Path) -> None:
    missing = runner.invoke(app, ["models", "install", str(tmp_path / "nope.argosmodel")], env=env)
    assert missing.exit_code == 1 and "no such file" in missing.output
    not_zip = tmp_path / "junk.argosmodel"
    not_zip.write_bytes(b"not a zip at all")
    result = runner.invoke(app, ["models", "install", str(not_zip)], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    evil = tmp_path / "evil.argosmodel"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("pkg/metadata.json", '{"from_code": "ja", "to_code": "en"}')
        zf.writestr("../../escape.txt", "x")
    result = runner.invoke(app, ["models", "install", str(evil)], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert not (tmp_path / "escape.txt").exists()
    models_dir = Path(env["KAKEHASHI_DATA_DIR"]) / "models"
    assert not models_dir.exists() or not any(models_dir.iterdir())


def test_translate_command(env: dict[str, str], tiny_package_zip: Path, tmp_path: Path) -> None:
    text = tmp_path / "article.txt"
    text.write_text(
        "マスカロフカは古典的な手法だ。\n\n拒否的抑止力が試されている。", encoding="utf-8"
    )
    no_model = runner.invoke(app, ["translate", "--to", "en", str(text)], env=env)
    assert no_model.exit_code == 3 and "no model installed for ja:en" in no_model.output
    runner.invoke(app, ["models", "install", str(tiny_package_zip)], env=env)
    result = runner.invoke(app, ["translate", "--to", "en", "--json", str(text)], env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [s["paragraph"] for s in document["segments"]] == [0, 1]
    assert document["segments"][0]["terms"][0]["source"] == "マスカロフカ"
    assert all(t["present"] for s in document["segments"] for t in s["terms"])
    assert document["text"].count("\n\n") == 1
    assert document["needs_review"] is True and "truncated" in document["review_reasons"]
    # A long file is translated in chunks (with a progress bar): paragraphs stay numbered.
    paragraphs = [f"第{i}段落の文です。拒否的抑止力が試されている。" * 8 for i in range(40)]
    long = tmp_path / "long.txt"
    long.write_text("\n\n".join(paragraphs), encoding="utf-8")
    result = runner.invoke(app, ["translate", "--to", "en", "--json", str(long)], env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [s["paragraph"] for s in document["segments"]] == [
        i for i in range(40) for _ in range(16)
    ]
    assert document["text"].count("\n\n") == 39
    plain = runner.invoke(app, ["translate", "--to", "en", str(text)], env=env)
    assert plain.exit_code == 0 and "needs review: truncated" in plain.output
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    assert runner.invoke(app, ["translate", str(empty)], env=env).exit_code == 2


def test_bad_setting_is_a_clear_error(env: dict[str, str]) -> None:
    result = runner.invoke(
        app, ["models", "list"], env={**env, "KAKEHASHI_TARGET_LANGUAGES": "en,not a language"}
    )
    assert result.exit_code == 2 and "configuration error" in result.output


def test_models_install_from_url_and_index(
    env: dict[str, str], tiny_package_zip: Path, tmp_path: Path
) -> None:
    """A real local HTTP server serves the package and an argos-format index pointing at it."""
    import functools
    import shutil
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(tiny_package_zip, site / "translate-ja_en.argosmodel")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (site / "index.json").write_text(
        json.dumps(
            [
                {
                    "code": "translate-ja_en",
                    "type": "translate",
                    "from_code": "ja",
                    "to_code": "en",
                    "from_name": "Japanese",
                    "to_name": "English",
                    "package_version": "1.0",
                    "argos_version": "1.9",
                    "links": [f"{base}/translate-ja_en.argosmodel"],
                }
            ]
        )
    )
    try:
        # Issue 11, row 2: a loopback URL is refused unless the operator allows it.
        refused = runner.invoke(
            app, ["models", "install", f"{base}/translate-ja_en.argosmodel"], env=env
        )
        assert refused.exit_code == 1 and "loopback address" in refused.output
        assert "--allow-private" in refused.output
        assert json.loads(runner.invoke(app, ["models", "list", "--json"], env=env).stdout) == []
        by_url = runner.invoke(
            app,
            ["models", "install", "--allow-private", f"{base}/translate-ja_en.argosmodel"],
            env=env,
        )
        assert by_url.exit_code == 0, by_url.output
        runner.invoke(app, ["models", "remove", "ja:en"], env=env)
        indexed = {
            **env,
            "KAKEHASHI_MODEL_INDEX": f"{base}/index.json",
            "KAKEHASHI_MODELS_ALLOW_PRIVATE": "true",  # the setting does what the flag does
        }
        by_pair = runner.invoke(app, ["models", "install", "ja:en"], env=indexed)
        assert by_pair.exit_code == 0, by_pair.output
        listed = json.loads(runner.invoke(app, ["models", "list", "--json"], env=env).stdout)
        assert [(p["source"], p["target"]) for p in listed] == [("ja", "en")]
        missing = runner.invoke(app, ["models", "install", "ja:xx"], env=indexed)
        assert missing.exit_code == 1 and "Traceback" not in missing.output
        not_found = runner.invoke(
            app, ["models", "install", "--allow-private", f"{base}/nope.argosmodel"], env=env
        )
        assert not_found.exit_code == 1 and "404" in not_found.output
    finally:
        server.shutdown()


def _import_deepl(env: dict[str, str], path: Path, *extra: str) -> Result:
    args = [
        "glossary",
        "import",
        str(path),
        "-g",
        "desk",
        "--create",
        "--format",
        "deepl-tsv",
        "--target-lang",
        "en",
        *extra,
    ]
    return runner.invoke(app, args, env=env)


def test_glossary_import_export_list(env: dict[str, str], tmp_path: Path) -> None:
    listed = runner.invoke(app, ["glossary", "list"], env=env)
    assert listed.exit_code == 0 and "security" in listed.stdout
    bad = tmp_path / "bad.tsv"
    bad.write_text("瀬戸際外交\tbrinkmanship\n\tno source\n", encoding="utf-8")
    refused = _import_deepl(env, bad)
    assert refused.exit_code == 2 and "line 2" in refused.output
    good = tmp_path / "good.tsv"
    good.write_text("瀬戸際外交\tbrinkmanship\n核抑止\tnuclear deterrence\n", encoding="utf-8")
    dry = _import_deepl(env, good, "--dry-run")
    assert dry.exit_code == 0 and "2 added" in dry.stdout
    # Issue 22.3: the dry run said "validating and applying … 0 re-translation jobs queued".
    assert "nothing was applied" in dry.stdout and "queued" not in dry.output
    assert "applying" not in dry.output
    assert "targets.en: (none) → 'nuclear deterrence'" in " ".join(dry.stdout.split())
    done = _import_deepl(env, good)
    assert done.exit_code == 0 and "2 added" in done.stdout
    no_lang = runner.invoke(
        app, ["glossary", "import", str(good), "-g", "desk", "--format", "deepl-tsv"], env=env
    )
    assert no_lang.exit_code == 2 and "--target-lang" in no_lang.output
    assert "parameter" not in no_lang.output  # the CLI's flag, not the API's parameter
    exported = runner.invoke(
        app,
        ["glossary", "export", "-g", "desk", "--format", "deepl-tsv", "--target-lang", "en"],
        env=env,
    )
    assert exported.exit_code == 0
    assert sorted(exported.stdout.strip().splitlines()) == sorted(
        good.read_text(encoding="utf-8").strip().splitlines()
    )
    unknown = runner.invoke(app, ["glossary", "export", "-g", "nope"], env=env)
    assert unknown.exit_code == 2 and "no glossary 'nope'" in unknown.output


def test_backfill_creates_only_missing_jobs(env: dict[str, str]) -> None:
    from service import db, ingest
    from service.schemas import ArticleContent
    from tests.service.conftest import article

    engine = db.make_engine(env["KAKEHASHI_DATABASE_URL"])
    db.migrate(engine)
    sessions = db.make_sessionmaker(engine)
    with db.session_scope(sessions) as session:
        for article_id in ("b-1", "b-2"):
            content = ArticleContent.model_validate(
                {k: v for k, v in article(article_id).items() if k != "id"}
            )
            ingest.create(session, article_id, content, ("en",))
        ingest.retract(session, "b-2")
    engine.dispose()
    wider = {**env, "KAKEHASHI_TARGET_LANGUAGES": "en,de"}
    first = runner.invoke(app, ["backfill"], env=wider)
    assert first.exit_code == 0, first.output
    assert "1 jobs created" in first.stdout  # b-1 in de; en is queued, b-2 is retracted
    again = runner.invoke(app, ["backfill"], env=wider)
    assert "0 jobs created" in again.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "partner", "--language", "xx"], "'xx' is not a configured language"),
        (["--role", "partner", "--language", "en/../x"], "is not a configured language"),
        (["--role", "partner", "--section", ""], "is not a section"),
        (["--role", "partner", "--section", "a\x00b"], "is not a section"),
        (["--role", "partner", "--section", "x" * 101], "is not a section"),
        (["--role", "editor", "--language", "en"], "scope partner keys only"),
        (["--role", "Admin"], "unknown role 'Admin'"),
    ],
)
def test_keys_create_validates_its_arguments(
    env: dict[str, str], args: list[str], message: str
) -> None:
    """Issue 11 (output safety, CLI): `keys create --language xx` was accepted."""
    result = runner.invoke(app, ["keys", "create", "--name", "x", *args], env=env)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert listed.exit_code == 0 and " x " not in listed.stdout  # nothing was created


def test_keys_create_accepts_configured_languages(env: dict[str, str]) -> None:
    configured = {**env, "KAKEHASHI_TARGET_LANGUAGES": "en,pt-BR"}
    for lang in ("en", "pt-BR", "ja"):
        args = ["keys", "create", "--role", "partner", "--name", "p", "--language", lang]
        result = runner.invoke(app, args, env=configured)
        assert result.exit_code == 0, result.output
