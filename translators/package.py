"""Argos-format model packages on disk: verify, install, list, find, remove.

A package is a zip (``.argosmodel``) holding one top-level folder with ``metadata.json``,
a CTranslate2 model in ``model/`` and a ``sentencepiece.model`` (or BPE files). Archives are
fully verified before anything is written; extraction goes to a temporary directory inside
``models_dir`` and is moved into place with an atomic rename, so a failed install leaves
nothing behind and readers never see a half-written package.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = [
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_UNCOMPRESSED",
    "InstalledPackage",
    "PackageError",
    "find",
    "install",
    "list_installed",
    "plan_route",
    "remove",
]

PIVOT = "en"

MAX_UNCOMPRESSED = 2 * 1024**3
MAX_MEMBERS = 10_000
# Model weights and tokenizers barely compress (int8/float weights, protobuf): real argos
# packages expand about 1.1-2 times. A zip bomb expands hundreds of times; refuse anything over
# MAX_RATIO, for the whole archive and for every member big enough to matter.
MAX_RATIO = 20
_RATIO_FLOOR = 1024**2
# The only spelling of a language code in a package: it becomes part of a folder name, so it
# is checked here and never taken verbatim from metadata.json (`"from_code": "ja/../../x"`).
_CODE = re.compile(r"[a-z]{2,3}")
_TOKENIZER_FILES = ("sentencepiece.model", "bpe.model")


class PackageError(Exception):
    """A model package is invalid, unsafe, or absent. The message is for humans."""


@dataclass(frozen=True)
class InstalledPackage:
    path: Path
    code: str
    name: str
    source: str
    target: str
    version: str

    @property
    def pair(self) -> str:
        return f"{self.source}:{self.target}"


def _parse_metadata(raw: bytes, where: str) -> dict[str, object]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{where}: metadata.json is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise PackageError(f"{where}: metadata.json must hold a JSON object")
    for field in ("from_code", "to_code"):
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            raise PackageError(f"{where}: metadata.json lacks a '{field}' string")
        if not _CODE.fullmatch(value):
            raise PackageError(
                f"{where}: metadata.json's '{field}' is {value[:40]!r}, not a language code "
                "(2 or 3 lowercase letters)"
            )
    return data


def _package_from(path: Path, data: dict[str, object]) -> InstalledPackage:
    source = str(data["from_code"])
    target = str(data["to_code"])
    version = str(data.get("package_version") or "0")
    from_name = str(data.get("from_name") or source)
    to_name = str(data.get("to_name") or target)
    return InstalledPackage(
        path=path,
        code=f"translate-{source}_{target}",
        name=f"{from_name} → {to_name}",
        source=source,
        target=target,
        version=version,
    )


def _check_member(info: zipfile.ZipInfo, archive: Path) -> PurePosixPath:
    name = info.filename
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or "\\" in name:
        raise PackageError(f"{archive.name}: member '{name}' has an absolute or Windows path")
    if ".." in path.parts:
        raise PackageError(f"{archive.name}: member '{name}' escapes the package ('..')")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise PackageError(f"{archive.name}: member '{name}' is a symbolic link")
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise PackageError(f"{archive.name}: member '{name}' is not a regular file")
    return path


def _check_sizes(infos: list[zipfile.ZipInfo], archive: Path) -> None:
    """Refuse zip bombs before extracting a byte. The declared sizes can be trusted as upper
    bounds: zipfile never yields more than a member's declared `file_size` (and checks its CRC),
    so what these checks allow is all extraction can write."""
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED:
        raise PackageError(
            f"{archive.name}: {total} bytes uncompressed exceeds the {MAX_UNCOMPRESSED} limit"
        )
    packed = max(1, archive.stat().st_size)
    if total > _RATIO_FLOOR and total > packed * MAX_RATIO:
        raise PackageError(
            f"{archive.name}: expands {total // packed} times ({total} bytes from {packed}); "
            f"the limit is {MAX_RATIO} (a zip bomb?)"
        )
    for info in infos:
        if info.file_size > _RATIO_FLOOR and info.file_size > max(1, info.compress_size) * (
            MAX_RATIO
        ):
            raise PackageError(
                f"{archive.name}: member '{info.filename}' expands "
                f"{info.file_size // max(1, info.compress_size)} times; the limit is {MAX_RATIO}"
            )


def _verify(zf: zipfile.ZipFile, archive: Path) -> tuple[str, dict[str, object]]:
    """Check the archive's structure; return its top folder and parsed metadata."""
    infos = zf.infolist()
    if not infos:
        raise PackageError(f"{archive.name}: the archive is empty")
    if len(infos) > MAX_MEMBERS:
        raise PackageError(f"{archive.name}: {len(infos)} members (limit {MAX_MEMBERS})")
    _check_sizes(infos, archive)
    tops = {_check_member(info, archive).parts[0] for info in infos}
    if len(tops) != 1:
        raise PackageError(
            f"{archive.name}: expected one top-level folder, found {sorted(tops)[:5]}"
        )
    top = tops.pop()
    names = {info.filename.rstrip("/") for info in infos if not info.is_dir()}
    if f"{top}/metadata.json" not in names:
        raise PackageError(f"{archive.name}: no {top}/metadata.json")
    if f"{top}/model/model.bin" not in names:
        raise PackageError(f"{archive.name}: no CTranslate2 model ({top}/model/model.bin)")
    has_bpe = any(n.startswith(f"{top}/") and n.endswith((".bpe", "bpe.codes")) for n in names)
    if not has_bpe and not any(f"{top}/{t}" in names for t in _TOKENIZER_FILES):
        raise PackageError(f"{archive.name}: no {top}/sentencepiece.model (or BPE files)")
    metadata = _parse_metadata(zf.read(f"{top}/metadata.json"), archive.name)
    return top, metadata


def install(
    archive: Path, models_dir: Path, *, expect: tuple[str, str] | None = None
) -> InstalledPackage:
    """Verify and install ``archive``; replace an installed package of the same pair.

    The package lands in ``models_dir/translate-<from>_<to>``, built from the checked language
    codes alone. ``expect`` (source, target) refuses a package of another pair (e.g. one an
    index offered for ``ja:en``)."""
    archive = Path(archive)
    if not archive.is_file():
        raise PackageError(f"{archive}: no such file")
    if not zipfile.is_zipfile(archive):
        raise PackageError(f"{archive.name}: not a zip archive (.argosmodel)")
    models_dir.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            top, metadata = _verify(zf, archive)
            if expect is not None and (metadata["from_code"], metadata["to_code"]) != expect:
                raise PackageError(
                    f"{archive.name}: a {metadata['from_code']}:{metadata['to_code']} package, "
                    f"not the {expect[0]}:{expect[1]} one asked for"
                )
            staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=models_dir))
            try:
                for info in zf.infolist():
                    zf.extract(info, staging)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except zipfile.BadZipFile as exc:
        raise PackageError(f"{archive.name}: corrupt zip archive ({exc})") from exc
    package = _package_from(models_dir / top, metadata)
    final = models_dir / package.code  # translate-<from>_<to>, both checked by _parse_metadata
    if final.resolve().parent != models_dir.resolve():  # belt and braces: never outside
        shutil.rmtree(staging, ignore_errors=True)
        raise PackageError(f"{archive.name}: refusing to install outside {models_dir}")
    try:
        old = find(models_dir, package.source, package.target)
        backup: Path | None = None
        if old is not None:
            backup = models_dir / f".replaced-{old.path.name}"
            shutil.rmtree(backup, ignore_errors=True)
            old.path.rename(backup)
        (staging / top).rename(final)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _package_from(final, metadata)


def _read_installed(path: Path) -> InstalledPackage | None:
    meta = path / "metadata.json"
    if path.name.startswith(".") or not meta.is_file() or not (path / "model").is_dir():
        return None
    try:
        data = _parse_metadata(meta.read_bytes(), str(path))
    except (PackageError, OSError):
        return None
    if data.get("type", "translate") != "translate":
        return None
    return _package_from(path, data)


def list_installed(models_dir: Path, extra_dirs: Sequence[Path] = ()) -> list[InstalledPackage]:
    """Packages in ``models_dir`` first, then in ``extra_dirs`` (e.g. argos-translate's)."""
    found: list[InstalledPackage] = []
    for directory in (models_dir, *extra_dirs):
        if not directory.is_dir():
            continue
        for child in sorted(directory.iterdir()):
            package = _read_installed(child) if child.is_dir() else None
            if package is not None:
                found.append(package)
    return found


def find(
    models_dir: Path, source: str, target: str, extra_dirs: Sequence[Path] = ()
) -> InstalledPackage | None:
    """The package translating ``source`` to ``target``; ``models_dir`` wins, then newest."""
    best: InstalledPackage | None = None
    for package in list_installed(models_dir, extra_dirs):
        if package.source != source or package.target != target:
            continue
        if best is None or (
            best.path.parent == package.path.parent
            and _version_key(package.version) > _version_key(best.version)
        ):
            best = package
    return best


def plan_route(
    models_dir: Path, source: str, target: str, extra_dirs: Sequence[Path] = ()
) -> list[InstalledPackage] | None:
    """The packages translating ``source`` to ``target``: the direct one if installed, else
    ``source``→en and en→``target`` (a pivot through English), else None."""
    direct = find(models_dir, source, target, extra_dirs)
    if direct is not None:
        return [direct]
    if PIVOT in (source, target) or source == target:
        return None
    first = find(models_dir, source, PIVOT, extra_dirs)
    second = find(models_dir, PIVOT, target, extra_dirs)
    if first is None or second is None:
        return None
    return [first, second]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.replace("_", ".").split("."))


def remove(models_dir: Path, code_or_pair: str) -> InstalledPackage:
    """Remove an installed package given as ``translate-ja_en`` or ``ja:en``."""
    wanted = code_or_pair.strip()
    if ":" in wanted:
        source, _, target = wanted.partition(":")
        wanted = f"translate-{source}_{target}"
    for package in list_installed(models_dir):
        if package.code == wanted or package.path.name == wanted:
            shutil.rmtree(package.path)
            return package
    raise PackageError(f"no installed package '{code_or_pair}' in {models_dir}")
