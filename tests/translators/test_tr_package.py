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


# Issue 11, row 1: the install path came from metadata.json's codes, so a package saying
# `"from_code": "ja_en/../../../X"` was written outside the models folder.
@pytest.mark.parametrize(
    "code",
    ["ja_en/../../../escaped", "../../escaped", "ja/x", "JA", "j", "japanese", "", " ja", "ja\x00"],
)
def test_metadata_codes_never_build_a_path(tmp_path: Path, code: str) -> None:
    members = _good_members()
    meta = {"from_code": code, "to_code": "en", "package_version": "1.0"}
    members["translate-ja_en-1_0/metadata.json"] = json.dumps(meta).encode()
    archive = _zip(tmp_path / "evil.argosmodel", members)
    models = tmp_path / "deep" / "er" / "models"
    with pytest.raises(PackageError, match="from_code"):
        install(archive, models)
    _assert_clean(models)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert written == ["deep", "deep/er", "deep/er/models", "evil.argosmodel"]


def test_install_lands_in_the_folder_named_by_the_checked_pair(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "p.argosmodel", _good_members(top="whatever-the-zip-says"))
    installed = install(archive, tmp_path / "models")
    assert installed.path == tmp_path / "models" / "translate-ja_en"
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["translate-ja_en"]


def test_install_refuses_a_package_of_another_pair_than_asked(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "p.argosmodel", _good_members())
    with pytest.raises(PackageError, match="ja:en package, not the ja:zh one"):
        install(archive, tmp_path / "models", expect=("ja", "zh"))
    _assert_clean(tmp_path / "models")
    assert install(archive, tmp_path / "models", expect=("ja", "en")).pair == "ja:en"


# Issue 11, row 2: a 1.9 MB package that expanded to 1.6 GB was accepted. These bombs are
# real deflated archives (a few KB) under the 2 GB absolute limit: only the ratio refuses them.
def _bomb(path: Path, members: dict[str, bytes], zeros: int, name: str = "model/pad") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
        with zf.open(f"translate-ja_en-1_0/{name}", "w") as out:
            block = bytes(1 << 20)
            for _ in range(zeros >> 20):
                out.write(block)
    return path


def test_zip_bomb_refused_by_ratio(tmp_path: Path) -> None:
    archive = _bomb(tmp_path / "bomb.argosmodel", _good_members(), 64 << 20)
    assert archive.stat().st_size < 200_000
    with pytest.raises(PackageError, match=r"expands \d+ times"):
        install(archive, tmp_path / "models")
    _assert_clean(tmp_path / "models")


def test_one_bomb_member_in_a_big_honest_package_is_refused(tmp_path: Path) -> None:
    """The archive as a whole looks honest (incompressible weights), one member does not."""
    import os

    members = {**_good_members(), "translate-ja_en-1_0/model/model.bin": os.urandom(3 << 20)}
    archive = _bomb(tmp_path / "mixed.argosmodel", members, 32 << 20, name="vocab.txt")
    with pytest.raises(PackageError, match=r"member 'translate-ja_en-1_0/vocab\.txt' expands"):
        install(archive, tmp_path / "models")
    _assert_clean(tmp_path / "models")


def test_honest_compressible_package_installs(tmp_path: Path) -> None:
    import os

    members = {**_good_members(), "translate-ja_en-1_0/model/model.bin": os.urandom(2 << 20)}
    members["translate-ja_en-1_0/model/shared_vocabulary.txt"] = b"".join(
        f"\u2581token{i}\n".encode() for i in range(200_000)
    )
    with zipfile.ZipFile(tmp_path / "ok.argosmodel", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    assert install(tmp_path / "ok.argosmodel", tmp_path / "models").pair == "ja:en"
