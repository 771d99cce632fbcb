"""Screening results kept for download beside the register, so that a link survives a restart, and expire."""
from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from ..errors import InputError

TTL_S = 24 * 3600            # a result link lives a day
NAMES = ("result.csv", "result.xlsx", "impact.xlsx")
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
OUR_TMP = ("zoning-web-", "zoning-screen-", "zoning-pdf-")


class Expired(InputError):
    """A download link whose result is gone (expired, or never made)."""


class ResultStore:
    def __init__(self, root: Path, ttl_s: float = TTL_S):
        self.root, self.ttl = Path(root), ttl_s
        self.root.mkdir(parents=True, exist_ok=True)
        self.swept = 0.0

    def keep(self, folder: Path) -> str:
        """Move the result files of `folder` into the store; returns the link's token."""
        token = secrets.token_urlsafe(18)
        dest = self.root / token
        dest.mkdir()
        for name in NAMES:
            if (folder / name).exists():
                shutil.move(str(folder / name), dest / name)
        self.sweep()
        return token

    def path(self, token: str, name: str) -> Path:
        if not TOKEN.fullmatch(token or "") or name not in NAMES:
            raise Expired("no such screening result", source="/screen", expected="a link from a result page")
        p = self.root / token / name
        if not p.exists() or time.time() - p.stat().st_mtime > self.ttl:
            raise Expired(f"this screening result is no longer kept (results are kept {self.ttl / 3600:.0f} h)",
                          source="/screen", expected="screen the list again")
        return p

    def sweep(self, every_s: float = 3600.0) -> None:
        """Remove expired results, and temporary folders of ours older than an hour (a crash's leftovers)."""
        now = time.time()
        if now - self.swept < every_s:
            return
        self.swept = now
        for d in self.root.iterdir():
            if d.is_dir() and now - d.stat().st_mtime > self.ttl:
                shutil.rmtree(d, ignore_errors=True)
        for d in Path(tempfile.gettempdir()).iterdir():
            try:
                if d.name.startswith(OUR_TMP) and now - d.stat().st_mtime > 3600:
                    shutil.rmtree(d, ignore_errors=True)
            except OSError:
                continue
