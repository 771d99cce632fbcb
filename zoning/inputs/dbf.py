"""How to read a shapefile's .dbf text: the encoding its .cpg (or code-page byte) names, checked against the
bytes, and field names GDAL cut mid-character at the DBF's 10-byte limit.

Shapefiles with Chinese attributes often disagree with their own .cpg (a GBK .dbf beside a .cpg saying UTF-8),
and a 4-character Chinese field name written as UTF-8 is cut inside its fourth character. GDAL then hands over
bytes that are not the encoding it was told, and the reader would fail on them; this module decides the
encoding from the bytes instead, and says so."""
from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .encoding import codec_name

LATIN1 = "ISO-8859-1"       # told to GDAL when names must be repaired: every byte kept, decoded here
# the language-driver byte of a .dbf header, where it names a Chinese code page
LDID = {0x4D: "gbk", 0x7A: "gbk"}
CHUNK = 1 << 20


@dataclass(frozen=True)
class DbfPlan:
    encoding: str | None            # the encoding GDAL is told (None: GDAL's own choice)
    redecode: str | None = None     # set when GDAL reads bytes as ISO-8859-1: text is decoded here with this
    names: tuple = ()               # (name as GDAL gives it, name to use) for field names repaired
    notes: tuple = ()


def _header(head: bytes) -> tuple[int, list[bytes], int]:
    if len(head) < 32:
        return 0, [], 0
    header_len = struct.unpack("<H", head[8:10])[0]
    names = []
    for off in range(32, min(header_len, len(head)) - 31, 32):
        if head[off] == 0x0D:
            break
        names.append(head[off:off + 11].split(b"\0", 1)[0])
    return header_len, names, head[29]


def _fits(fh, start: int, encoding: str) -> bool:
    """Whether the bytes from `start` to the end decode in `encoding` (read in chunks: a .dbf may be large)."""
    fh.seek(start)
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := fh.read(CHUNK):
            dec.decode(chunk)
        dec.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def _repair_name(raw: bytes, encoding: str) -> str | None:
    """A name cut inside its last character, without that character; None when it is not such a cut."""
    for cut in (1, 2, 3):
        if len(raw) > cut:
            try:
                return raw[:-cut].decode(encoding)
            except UnicodeDecodeError:
                continue
    return None


def plan(fh, *, cpg: str | None, declared: str | None, source: str) -> DbfPlan:
    """The plan for reading the .dbf open as binary `fh`, with the text of its .cpg (None without one)."""
    head = fh.read(65536)
    header_len, raw_names, ldid = _header(head)
    notes = []
    stated = None
    if cpg is not None and cpg.strip():
        try:
            stated = codec_name(cpg.strip(), source=source)
        except InputError:
            notes.append(f"{source}: the .cpg names an unknown encoding '{cpg.strip()}'; the encoding is taken "
                         "from the bytes")
    stated = stated or LDID.get(ldid)
    if declared:
        if not _fits(fh, header_len, declared):
            other = "utf-8" if _fits(fh, header_len, "utf-8") else "gb18030"
            raise InputError(f"the attributes are not {declared}", source=source, field="--encoding",
                             expected=f"the file's real encoding (its bytes read as {other})")
        encoding = declared
    elif stated and _fits(fh, header_len, stated):
        encoding = stated
    else:
        encoding = "utf-8" if _fits(fh, header_len, "utf-8") else "gb18030"
        if stated:
            notes.append(f"{source}: the .cpg says {stated} but the attributes are not {stated}; read as "
                         f"{'UTF-8' if encoding == 'utf-8' else 'GB18030 (GBK)'}")
    names, seen, cut = [], set(), False
    for k, raw in enumerate(raw_names, start=1):
        try:
            name = raw.decode(encoding)
        except UnicodeDecodeError:
            fixed = _repair_name(raw, encoding)
            name, cut = (fixed if fixed and fixed not in seen else f"field_{k}"), True
            notes.append(f"{source}: field {k}'s name was cut mid-character at the DBF limit of 10 bytes; read as "
                         f"'{name}'")
        names.append((raw.decode("latin-1"), name))
        seen.add(name)
    if cut:
        return DbfPlan(LATIN1, redecode=encoding, names=tuple(names), notes=tuple(notes))
    return DbfPlan(encoding.upper(), notes=tuple(notes))


def shapefile_plan(shp: Path, declared: str | None, source: str) -> DbfPlan:
    """How to read the .dbf beside `shp` (see inputs.dbf)."""
    found = [shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()]
    if not found:
        return DbfPlan(declared)
    cpg = next((shp.with_suffix(s) for s in (".cpg", ".CPG") if shp.with_suffix(s).exists()), None)
    cpg_text = cpg.read_bytes()[:100].decode("ascii", "replace") if cpg else None
    with open(found[0], "rb") as fh:
        return plan(fh, cpg=cpg_text, declared=declared, source=source)


def dbf_encoding(shp) -> str | None:
    """The encoding to tell GDAL for a layer's shapefile (None for other formats): the .cpg's when the bytes
    agree, else the one they fit. (Repaired field names are for site files; a layer names its fields in the
    manifest.)"""
    shp = Path(shp)
    if shp.suffix.lower() != ".shp":
        return None
    p = shapefile_plan(shp, None, str(shp))
    return p.redecode.upper() if p.redecode else p.encoding
