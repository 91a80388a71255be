"""Obtain a dataset's raw files. For each file, in this order: the copy already in
`<raw_dir>/<name>/`; a copy from a mirror folder laid out `<mirror>/<name>/<file>`
(`PDD_DATA_MIRROR`, or `common.data_mirror` in params.yaml); a download from the canonical
URL. Every file is MD5-verified before use, and copies and downloads are written to a
temporary file in the target folder, verified there, then renamed into place, so an
interrupted or corrupt transfer never looks like a finished one."""

from __future__ import annotations

import http.client
import os
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from pdd.data.checksum import CHUNK, verify
from pdd.data.errors import DataFileError
from pdd.data.registry import DatasetSpec, RemoteFile
from pdd.infra.io import atomic_path

MIRROR_ENV = "PDD_DATA_MIRROR"
DOWNLOAD_TIMEOUT_S = 60


def mirror_from_env() -> Path | None:
    """The mirror folder named by `PDD_DATA_MIRROR`, if set (machine-specific, not in git)."""
    value = os.environ.get(MIRROR_ENV, "").strip()
    return Path(value) if value else None


def materialize(
    spec: DatasetSpec,
    raw_dir: Path,
    mirror_dir: Path | None = None,
    allow_download: bool = True,
) -> dict[str, Path]:
    """The verified local path of every file of `spec`, under `raw_dir/<spec.name>/`."""
    folder = Path(raw_dir) / spec.name
    mirror = Path(mirror_dir) / spec.name if mirror_dir is not None else None
    return {
        remote.name: _obtain(remote, folder, mirror, allow_download, spec.name)
        for remote in spec.files
    }


def _obtain(
    remote: RemoteFile, folder: Path, mirror: Path | None, allow_download: bool, dataset: str
) -> Path:
    target = folder / remote.name
    tried: list[str] = []  # what went wrong with each source, for the final message
    if target.is_file():
        try:
            verify(target, remote)
            return target
        except DataFileError as error:  # fall through: a mirror or download may repair it
            tried.append(str(error))
    else:
        tried.append("not present")

    if mirror is not None:
        source = mirror / remote.name
        if source.is_file():
            if _land(target, remote, source, lambda tmp: shutil.copyfile(source, tmp), tried):
                return target
        else:
            tried.append(f"no mirror copy at {source}")
    if allow_download:
        if _land(target, remote, remote.url, lambda tmp: _download(remote.url, tmp), tried):
            return target
    else:
        tried.append("download not allowed")
    raise DataFileError(_how_to_provide(target, remote, dataset, tried))


def _land(
    target: Path,
    remote: RemoteFile,
    source: str | Path,
    fill: Callable[[Path], object],
    tried: list[str],
) -> bool:
    """Fill a temporary file next to `target` from `source`, verify it, rename it into
    place; on failure record why in `tried` and leave `target` untouched."""
    try:
        with atomic_path(target) as tmp:
            fill(tmp)
            verify(tmp, remote, shown_as=source)
        return True
    except DataFileError as error:
        tried.append(str(error))
    except (OSError, http.client.HTTPException, ValueError) as error:  # I/O or network
        tried.append(f"{source}: cannot be fetched ({error})")
    return False


def _download(url: str, destination: Path) -> None:
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with (
            open(destination, "wb") as out,
            tqdm(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1]) as bar,
        ):
            while chunk := response.read(CHUNK):
                out.write(chunk)
                bar.update(len(chunk))


def _how_to_provide(target: Path, remote: RemoteFile, dataset: str, tried: list[str]) -> str:
    return (
        f"{target}: missing or corrupt ({'; '.join(tried)}). To provide it, either put the "
        f"original {remote.name} in {target.parent}/, or set the {MIRROR_ENV} environment "
        f"variable (or common.data_mirror in params.yaml) to a directory laid out as "
        f"<mirror>/{dataset}/{remote.name}, or allow download from {remote.url}"
    )
