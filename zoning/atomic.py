"""Writing an output file whole or not at all: a temporary file beside it, flushed to disk, renamed into place.
A killed or disk-full run leaves the old file (or none), never half of a new one."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from collections.abc import Iterator


def tmp_path(path: Path, suffix: bool = False) -> Path:
    """The temporary name of `path` while it is written (hidden, in the same folder: the rename stays atomic);
    `suffix` keeps the extension last, for writers that choose their format by it (GDAL, openpyxl)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp" + (path.suffix if suffix else ""))


@contextlib.contextmanager
def replacing(path, *, suffix: bool = False, tmp: Path | None = None) -> Iterator[Path]:
    """Yield a temporary path to write `path` to; on success it is synced and renamed into place, on any
    failure (an exception, Ctrl-C) removed."""
    path = Path(path)
    tmp = tmp or tmp_path(path, suffix)
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path, data: bytes) -> Path:
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(path, text.encode(encoding))
