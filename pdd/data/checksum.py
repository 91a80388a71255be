"""MD5 verification of raw files, streamed in chunks so a 250 MB archive never has to sit
in memory, and with gzip failures (truncated or not gzip at all) turned into DataFileError."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

from pdd.data.errors import DataFileError
from pdd.data.registry import RemoteFile

CHUNK = 1 << 20


def md5_of(path: str | Path, *, decompressed: bool = False) -> str:
    """Hex MD5 of a file's bytes, or of its gzip-decompressed content."""
    digest = hashlib.md5()
    opener = gzip.open if decompressed else open
    try:
        with opener(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    # BadGzipFile is an OSError; a gzip stream cut short raises EOFError; damaged deflate
    # data raises zlib.error.
    except (OSError, EOFError, zlib.error) as error:
        what = "decompressed" if decompressed else "read"
        raise DataFileError(f"{path}: cannot be {what} ({error})") from None
    return digest.hexdigest()


def verify(path: str | Path, remote: RemoteFile, *, shown_as: str | Path | None = None) -> str:
    """Return the MD5 of `path` if it matches `remote`, else raise DataFileError naming the
    file as `shown_as` (the mirror or URL a temporary copy came from)."""
    shown = shown_as if shown_as is not None else path
    decompressed = remote.checksum_of == "decompressed"
    try:
        actual = md5_of(path, decompressed=decompressed)
    except DataFileError as error:
        raise DataFileError(str(error).replace(str(path), str(shown), 1)) from None
    if actual != remote.md5:
        of = "decompressed content" if decompressed else "file"
        raise DataFileError(
            f"{shown} failed its checksum: expected md5 {remote.md5}, got {actual} "
            f"(md5 of the {of})"
        )
    return actual
