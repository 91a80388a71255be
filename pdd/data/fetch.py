"""Obtain a dataset's raw files, in this order: already in `data/raw/<name>/`; copied from
a mirror folder (`PDD_DATA_MIRROR` or `common.data_mirror`, laid out `<mirror>/<name>/`);
downloaded from the canonical URL. Every file is verified by MD5 before use, and copies and
downloads land atomically, so an interrupted transfer never looks like a finished one."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import urllib.request
import zlib
from pathlib import Path

from tqdm import tqdm

from pdd.data.errors import DataFileError
from pdd.data.registry import DatasetSpec, RemoteFile
from pdd.io import atomic_path

MIRROR_ENV = "PDD_DATA_MIRROR"
CHUNK = 1 << 20


def mirror_from_env() -> Path | None:
    value = os.environ.get(MIRROR_ENV)
    return Path(value) if value else None


def md5_of(path: Path, *, decompressed: bool = False) -> str:
    """MD5 of a file's bytes, or of its gzip-decompressed content, streamed."""
    digest = hashlib.md5()
    opener = gzip.open if decompressed else open
    try:
        with opener(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error) as error:  # truncated or not gzip at all
        raise DataFileError(f"{path}: cannot be read ({error})") from None
    return digest.hexdigest()


def verify(path: Path, remote: RemoteFile, *, shown_as: str | Path | None = None) -> None:
    """Raise DataFileError unless `path` has the expected checksum (named as `shown_as`)."""
    try:
        actual = md5_of(path, decompressed=remote.checksum_of == "decompressed")
    except DataFileError as error:
        raise DataFileError(str(error).replace(str(path), str(shown_as or path))) from None
    if actual != remote.md5:
        raise DataFileError(
            f"{shown_as or path}: checksum mismatch (md5 {actual}, expected {remote.md5}); "
            f"the file is corrupt or not the original {remote.name}"
        )


def materialize(
    spec: DatasetSpec,
    raw_dir: Path,
    mirror_dir: Path | None = None,
    allow_download: bool = True,
) -> dict[str, Path]:
    """Return the verified local path of every file of `spec`, fetching what is missing."""
    folder = Path(raw_dir) / spec.name
    return {
        remote.name: _obtain(remote, folder, spec.name, mirror_dir, allow_download)
        for remote in spec.files
    }


def _obtain(
    remote: RemoteFile, folder: Path, dataset: str, mirror: Path | None, allow_download: bool
) -> Path:
    target = folder / remote.name
    problems = []
    if target.exists():
        try:
            verify(target, remote)
            return target
        except DataFileError as error:
            problems.append(str(error))
    sources = []
    if mirror is not None:
        sources.append(("mirror", Path(mirror) / dataset / remote.name))
    if allow_download:
        sources.append(("download", remote.url))
    for kind, source in sources:
        try:
            with atomic_path(target) as tmp:
                _copy(source, tmp) if kind == "mirror" else _download(source, tmp)
                verify(tmp, remote, shown_as=source)
            return target
        except DataFileError as error:
            problems.append(str(error))
        except OSError as error:  # missing mirror file, network failure
            problems.append(f"{source}: {kind} failed ({error.strerror or error})")
    raise DataFileError(_how_to_provide(target, remote, dataset, problems))


def _copy(source: Path, destination: Path) -> None:
    shutil.copyfile(source, destination)


def _download(url: str, destination: Path) -> None:
    with urllib.request.urlopen(url, timeout=60) as response, open(destination, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=Path(url).name) as bar:
            while chunk := response.read(CHUNK):
                out.write(chunk)
                bar.update(len(chunk))


def _how_to_provide(target: Path, remote: RemoteFile, dataset: str, problems: list[str]) -> str:
    tried = "; ".join(problems) if problems else "not found and no mirror or download allowed"
    return (
        f"{target}: missing or corrupt ({tried}). Provide it by placing the original "
        f"{remote.name} there, or by setting {MIRROR_ENV} (or common.data_mirror) to a folder "
        f"holding {dataset}/{remote.name}, or by allowing download from {remote.url}"
    )
