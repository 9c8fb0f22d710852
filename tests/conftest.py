"""Shared model fixtures: a tiny real argos-format package built once per session."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from translators.ctranslate import CTranslate2Engine
    from translators.package import InstalledPackage


@pytest.fixture(scope="session")
def tiny_package_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from translators.toymodel import build_package

    return build_package(tmp_path_factory.mktemp("toymodel"))


@pytest.fixture(scope="session")
def tiny_package(
    tiny_package_zip: Path, tmp_path_factory: pytest.TempPathFactory
) -> InstalledPackage:
    from translators.package import install

    return install(tiny_package_zip, tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def tiny_engine(tiny_package: InstalledPackage) -> CTranslate2Engine:
    from translators.ctranslate import CTranslate2Engine

    return CTranslate2Engine(tiny_package)


@pytest.fixture(scope="session")
def toy_decoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight decoder-only model folder (a generator model for ja → en, fr)."""
    from translators.toydecoder import build_generator_model

    return build_generator_model(tmp_path_factory.mktemp("decoder"))
