from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from translators import package as pkg
from translators.package import PackageError, find, install, list_installed, remove


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _good_members(top: str = "translate-ja_en-1_0", version: str = "1.0") -> dict[str, bytes]:
    meta = {"from_code": "ja", "to_code": "en", "package_version": version, "from_name": "Japanese"}
    return {
        f"{top}/metadata.json": json.dumps(meta).encode(),
        f"{top}/model/model.bin": b"x",
        f"{top}/sentencepiece.model": b"x",
    }


ZH_META = b'{"from_code":"ja","to_code":"zh","package_version":"1.0"}'


def _assert_clean(models: Path) -> None:
    assert not models.exists() or list(models.iterdir()) == []


def test_install_good_zip(tiny_package_zip: Path, tmp_path: Path) -> None:
    installed = install(tiny_package_zip, tmp_path / "models")
    assert installed.code == "translate-ja_en"
    assert (installed.source, installed.target, installed.version) == ("ja", "en", "1.0")
    assert (installed.path / "model" / "model.bin").is_file()
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["translate-ja_en"]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../x": b"x", **_good_members()}, "'..'"),
        ({"/etc/passwd": b"x"}, "absolute"),
        ({"a/model/model.bin": b"x", "a/sentencepiece.model": b"x"}, "metadata.json"),
        ({**_good_members(), "translate-ja_en-1_0/metadata.json": b"{nope"}, "not valid JSON"),
        (
            {**_good_members(), "translate-ja_en-1_0/metadata.json": b'{"from_code": "ja"}'},
            "to_code",
        ),
        ({**_good_members(), "other/file": b"x"}, "one top-level folder"),
        (
            {"t/metadata.json": b'{"from_code":"ja","to_code":"en"}', "t/sentencepiece.model": b""},
            "model.bin",
        ),
        (
            {"t/metadata.json": b'{"from_code":"ja","to_code":"en"}', "t/model/model.bin": b""},
            "sentencepiece",
        ),
    ],
)
def test_bad_archives_rejected(tmp_path: Path, members: dict[str, bytes], message: str) -> None:
    archive = _zip(tmp_path / "bad.argosmodel", members)
    models = tmp_path / "models"
    with pytest.raises(PackageError, match=message):
        install(archive, models)
    _assert_clean(models)


def test_symlink_rejected(tmp_path: Path) -> None:
    archive = tmp_path / "link.argosmodel"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in _good_members().items():
            zf.writestr(name, data)
        info = zipfile.ZipInfo("translate-ja_en-1_0/evil")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(PackageError, match="symbolic link"):
        install(archive, tmp_path / "models")
    _assert_clean(tmp_path / "models")


def test_not_a_zip(tmp_path: Path) -> None:
    archive = tmp_path / "x.argosmodel"
    archive.write_bytes(b"not a zip at all")
    with pytest.raises(PackageError, match="not a zip"):
        install(archive, tmp_path / "models")
    _assert_clean(tmp_path / "models")


def test_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pkg, "MAX_UNCOMPRESSED", 10)
    archive = _zip(
        tmp_path / "big.argosmodel", {**_good_members(), "translate-ja_en-1_0/pad": b"0" * 100}
    )
    with pytest.raises(PackageError, match="exceeds"):
        install(archive, tmp_path / "models")
    _assert_clean(tmp_path / "models")


def test_too_many_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pkg, "MAX_MEMBERS", 2)
    archive = _zip(tmp_path / "many.argosmodel", _good_members())
    with pytest.raises(PackageError, match="members"):
        install(archive, tmp_path / "models")


def test_list_find_remove_upgrade(tmp_path: Path) -> None:
    models = tmp_path / "models"
    install(_zip(tmp_path / "a.zip", _good_members()), models)
    install(
        _zip(
            tmp_path / "b.zip",
            _good_members("translate-ja_zh", "1.0")
            | {
                "translate-ja_zh/metadata.json": ZH_META,
            },
        ),
        models,
    )
    upgraded = install(
        _zip(tmp_path / "c.zip", _good_members("translate-ja_en-1_1", "1.1")), models
    )
    assert upgraded.version == "1.1"
    assert sorted(p.code for p in list_installed(models)) == ["translate-ja_en", "translate-ja_zh"]
    found = find(models, "ja", "en")
    assert found is not None and found.version == "1.1"
    assert find(models, "en", "ja") is None
    assert remove(models, "ja:zh").target == "zh"
    assert remove(models, "translate-ja_en").source == "ja"
    assert list_installed(models) == []
    with pytest.raises(PackageError, match="no installed package"):
        remove(models, "ja:en")


def test_extra_dirs_from_argos(tmp_path: Path) -> None:
    argos = tmp_path / "argos"
    install(_zip(tmp_path / "a.zip", _good_members()), argos)
    (argos / "translate-ja_en").rename(argos / "translate-ja_en-1_0")  # argos's own naming
    models = tmp_path / "models"
    assert list_installed(models) == []
    found = find(models, "ja", "en", extra_dirs=[argos])
    assert found is not None and found.path.name == "translate-ja_en-1_0"
