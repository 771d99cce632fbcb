"""Text encodings of Chinese files: the declared one, then UTF-8 (with or without BOM), then GB18030."""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def decode(data: bytes, declared: str | None = None, *, source: str = "") -> tuple[str, str]:
    """(text, encoding used). GB18030 is a superset of GBK and GB2312."""
    tries = ([declared] if declared else []) + ["utf-8-sig", "gb18030"]
    for enc in tries:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    raise InputError("cannot decode the text", source=source, expected="UTF-8, GBK or GB18030 text (or --encoding)")


def sniff_encoding(path: Path, declared: str | None = None, sample: int = 1 << 20) -> str:
    """The encoding of a (possibly large) text file from its first megabyte."""
    with open(path, "rb") as fh:
        head = fh.read(sample)
    if declared:
        return declared
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:   # a multi-byte character cut by the sample's end
            return "utf-8"
        return "gb18030"


def dbf_encoding(shp: Path) -> str | None:
    """For a shapefile with no .cpg: UTF-8 if its attributes decode as such, else GB18030 (a superset of GBK)."""
    if shp.suffix.lower() != ".shp" or any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return None
    return dbf_bytes_encoding(dbf.read_bytes())


def dbf_bytes_encoding(data: bytes) -> str:
    """UTF-8 if the attribute records of a .dbf decode as such, else GB18030."""
    header_len = int.from_bytes(data[8:10], "little") if len(data) > 10 else 0
    try:
        data[header_len:].decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        return "GB18030"
