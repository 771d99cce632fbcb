"""Where prepared stores are kept, and the content fingerprint of a layer file remembered there."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..atomic import write_text
from ..lru import LRU
from .manifest import LayerSpec

STORE_ENV = "ZONING_CACHE"


def store_root(spec: LayerSpec) -> Path:
    """The manifest's `store` folder (relative to the manifest), else $ZONING_CACHE/stores, else
    ~/.cache/zoning/stores."""
    if spec.store:
        return (spec.base / spec.store).resolve()
    return Path(os.environ.get(STORE_ENV) or Path.home() / ".cache" / "zoning") / "stores"


_STAMPS: LRU = LRU(4096)     # path -> (stat stamp, sha256)


def file_digest(path: Path, root: Path) -> str:
    """sha256 of a file's bytes, remembered beside the stores against its size, mtime, ctime and inode (as git's
    index does: a write, a copy or `touch -r` all change one of them), so that an unchanged source is not read."""
    st = path.stat()
    stamp = [str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
    memo = root / f"stamp-{hashlib.sha256(str(path).encode()).hexdigest()[:24]}.json"
    if _STAMPS.get(str(path), (None,))[0] == stamp:
        return _STAMPS[str(path)][1]
    try:
        saved = json.loads(memo.read_text())
        if saved["stamp"] == stamp:
            _STAMPS[str(path)] = (stamp, saved["sha256"])
            return saved["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    digest = h.hexdigest()
    _STAMPS[str(path)] = (stamp, digest)
    try:
        root.mkdir(parents=True, exist_ok=True)
        write_text(memo, json.dumps({"stamp": stamp, "sha256": digest}))
    except OSError:
        pass
    return digest
