"""The engine registry: the provider KAKEHASHI_ENGINE names, and the limit on loaded models
(KAKEHASHI_MAX_LOADED_MODELS, least recently used unloaded first), on real models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from glossaries import Entry, Matcher
from service.engines import EngineRegistry
from service.settings import Settings
from translators.article import translate_article
from translators.package import InstalledPackage, install
from translators.route import Route
from translators.toymodel import build_package


@pytest.fixture(scope="module")
def three_pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ja→en, ja→fr and en→de installed (de is reached through English)."""
    models = tmp_path_factory.mktemp("models")
    archives = tmp_path_factory.mktemp("archives")
    for source, target in (("ja", "en"), ("ja", "fr"), ("en", "de")):
        install(build_package(archives, source=source, target=target), models)
    return models


def _registry(tmp_path: Path, models: Path, **changes: object) -> EngineRegistry:
    settings = Settings(data_dir=tmp_path, models_dir=models, worker_threads=1)
    return EngineRegistry(settings.model_copy(update=changes))


def _targets(registry: EngineRegistry) -> list[str]:
    by_path = {p.path: p for p in registry.installed()}
    return [f"{by_path[p].source}:{by_path[p].target}" for p in registry.loaded()]


def test_the_least_recently_used_model_is_unloaded(tmp_path: Path, three_pairs: Path) -> None:
    registry = _registry(tmp_path, three_pairs, max_loaded_models=2)
    en = registry.engine("en")
    fr = registry.engine("fr")
    assert _targets(registry) == ["ja:en", "ja:fr"]
    assert registry.engine("en") is en  # used again: fr is now the oldest
    de = registry.engine("de")  # a pivot through en: loads en→de, unloads fr
    assert isinstance(de, Route) and de.steps[0] is en
    assert _targets(registry) == ["ja:en", "en:de"]
    # A job still holding the unloaded engine finishes with it.
    assert fr is not None and len(fr.translate_batch(["犬が走る。"])) == 1
    assert registry.engine("fr") is not fr  # loaded anew; ja→en is the oldest now
    assert _targets(registry) == ["en:de", "ja:fr"]
    registry.close()
    assert registry.loaded() == []


def test_no_limit_by_default(tmp_path: Path, three_pairs: Path) -> None:
    registry = _registry(tmp_path, three_pairs)
    for target in ("en", "fr", "de"):
        assert registry.engine(target) is not None
    assert len(registry.loaded()) == 3
    registry.close()


def test_an_upgraded_package_replaces_its_old_engine(
    tmp_path: Path, tiny_package: InstalledPackage
) -> None:
    models = tmp_path / "models"
    shutil.copytree(tiny_package.path, models / tiny_package.path.name)
    registry = _registry(tmp_path, models)
    old = registry.engine("en")
    meta = models / tiny_package.path.name / "metadata.json"
    meta.write_text(meta.read_text().replace('"1.0"', '"1.1"'))
    new = registry.engine("en")
    assert old is not None and new is not None and (old.version, new.version) == ("1.0", "1.1")
    assert len(registry.loaded()) == 1
    registry.close()


def test_the_generator_provider_serves_every_listed_target(
    tmp_path: Path, toy_decoder: Path
) -> None:
    models = tmp_path / "models"
    shutil.copytree(toy_decoder, models / toy_decoder.name)
    registry = _registry(tmp_path, models, engine="generator", max_loaded_models=1)
    assert registry.routes(("en", "fr", "de")) == {
        "en": ["ja", "en"],
        "fr": ["ja", "fr"],
        "de": None,
    }
    assert registry.missing_pairs(("en", "de")) == ["ja:de"]
    en, fr = registry.engine("en"), registry.engine("fr")
    assert en is not None and fr is not None and en.capabilities.term_hints
    assert len(registry.loaded()) == 1  # one model folder, two targets
    entry = Entry("拒否的抑止力", {"en": "deterrence by denial", "fr": "dissuasion"})
    article = translate_article(
        "見出し",
        None,
        "日本は拒否的抑止力を強化する必要がある。",
        "text",
        engine=fr,
        matcher=Matcher([entry]),
        policy=Settings(data_dir=tmp_path, review_max_flagged_share=0.5).review_policy,
    )
    [term] = [t for s in article.body_result.segments for t in s.terms]
    assert term.present or "term-missing" in article.review_reasons
    registry.close()


def test_an_unknown_engine_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="engine"):
        Settings(data_dir=tmp_path, engine="vllm")  # type: ignore[arg-type]


def test_models_list_shows_the_configured_kind(tmp_path: Path, toy_decoder: Path) -> None:
    from typer.testing import CliRunner

    from service.cli import app

    models = tmp_path / "models"
    shutil.copytree(toy_decoder, models / toy_decoder.name)
    env = {
        "KAKEHASHI_DATA_DIR": str(tmp_path),
        "KAKEHASHI_MODELS_DIR": str(models),
        "KAKEHASHI_ARGOS_PACKAGES_DIR": str(tmp_path / "no-argos"),
    }
    runner = CliRunner()
    argos = runner.invoke(app, ["models", "list", "--json"], env=env)
    assert argos.exit_code == 0 and json.loads(argos.stdout) == []
    listed = runner.invoke(
        app, ["models", "list", "--json"], env={**env, "KAKEHASHI_ENGINE": "generator"}
    )
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(r["code"], r["target"]) for r in rows] == [
        ("generate-toy-decoder", "en"),
        ("generate-toy-decoder", "fr"),
    ]
