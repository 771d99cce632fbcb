"""Writing an output file whole or not at all: a temporary file beside it, flushed to disk, renamed into place.
A killed or disk-full run leaves the old file (or none), never half of a new one."""
from __future__ import annotations

import os
from pathlib import Path


def tmp_path(path: Path) -> Path:
    """The temporary name of `path` while it is written (hidden, in the same folder: the rename stays atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_bytes(path, data: bytes) -> Path:
    path = Path(path)
    tmp = tmp_path(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(path, text.encode(encoding))
