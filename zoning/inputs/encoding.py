"""Text encodings of Chinese files: the declared one, else UTF-8 (with or without BOM), UTF-16, then GB18030.

A file that mixes UTF-8 and GBK lines (rows pasted from two sources) is read line by line, each line in the
encoding its bytes fit, with a warning naming those lines; bytes that fit neither are that row's error."""
from __future__ import annotations

import codecs
import io
from pathlib import Path

from ..errors import InputError
from ..messages import error

BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# a .cpg or an option may name an encoding by its Windows code page
CODE_PAGES = {"936": "gbk", "cp936": "gbk", "ansi 936": "gbk", "54936": "gb18030", "65001": "utf-8",
              "utf8": "utf-8", "ansi": "gbk", "system": "gbk", "20936": "gb2312", "950": "big5"}


def codec_name(name: str, *, source: str = "--encoding") -> str:
    """The Python codec an encoding name means (UTF-8, GBK, 936, ANSI 936 ...); InputError for an unknown one."""
    text = str(name).strip()
    key = CODE_PAGES.get(text.lower(), text)
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise InputError(error("unknown_encoding", name=name), source=source,
                         expected="utf-8, gbk, gb18030, utf-16, big5 or a code page such as 936") from None


def bom_encoding(head: bytes) -> str | None:
    for bom, enc in BOMS:
        if head.startswith(bom):
            return enc
    return None


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte of a text sample is NUL (ASCII-heavy UTF-16)."""
    sample = head[:4096 - (len(head[:4096]) % 2)]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode(data: bytes, declared: str | None = None, *, source: str = "") -> tuple[str, str]:
    """(text, encoding used) of a whole small file. GB18030 is a superset of GBK and GB2312."""
    found = bom_encoding(data) or utf16_without_bom(data)
    tries = ([codec_name(declared)] if declared else []) + ([found] if found else []) + ["utf-8-sig", "gb18030"]
    for enc in tries:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    raise InputError(error("cannot_decode"), source=source, expected="UTF-8, GBK or GB18030 text (or --encoding)")


def sniff_encoding(path: Path, declared: str | None = None, sample: int = 1 << 20) -> str:
    """The encoding of a (possibly large) text file from its first megabyte: the declared one, a BOM's,
    UTF-16 by its NUL bytes, else UTF-8 or GB18030, whichever most of the sample's non-ASCII lines are."""
    if declared:
        return codec_name(declared)
    with open(path, "rb") as fh:
        head = fh.read(sample)
    found = bom_encoding(head) or utf16_without_bom(head)
    if found:
        return found
    lines = head.split(b"\n")
    if len(head) == sample and len(lines) > 1:
        lines = lines[:-1]                      # the last line may be cut by the sample's end
    utf8 = gbk = 0
    for raw in lines:
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            gbk += 1
    return "utf-8" if utf8 >= gbk else "gb18030"


BLOCK = 1 << 20


def is_utf(encoding: str) -> bool:
    return codecs.lookup(encoding).name.startswith("utf")


def _lines(block: bytes) -> list[bytes]:
    """Lines ending at b'\\n' only, as a binary file iterates them (splitlines would also cut at a lone \\r)."""
    parts = block.split(b"\n")
    out = [p + b"\n" for p in parts[:-1]]
    return out + ([parts[-1]] if parts[-1] else [])


class LineDecoder:
    """Lines of a byte stream as text. With a declared encoding every line must fit it. Otherwise each line
    is read as UTF-8 when its bytes are UTF-8 (GBK text almost never is), else as GB18030; `odd` maps the
    numbers (1-based) of lines not in the file's main encoding to the one they were read in, or to None when
    neither fits (such a line is decoded with replacement characters and must not be used silently).

    Blocks of a megabyte that decode whole in the main encoding are split in C; only a block that does not
    is taken line by line."""

    def __init__(self, fh, primary: str, *, strict: bool = False, source: str = ""):
        self.fh, self.primary, self.strict, self.source = fh, primary, strict, source
        self.main = "utf-8" if is_utf(primary) else "gb18030"
        self.odd: dict[int, str | None] = {}
        self.line = 0

    def __iter__(self):
        first = True
        while block := self.fh.read(BLOCK):
            block += self.fh.readline()            # blocks end at a line's end
            if first:
                first = False
                if not self.strict:
                    block = block.removeprefix(codecs.BOM_UTF8)
            text = self._whole(block)
            if text is not None:                   # the common case: the whole block in the one encoding
                self.line += text.count("\n") + (not text.endswith("\n"))
                yield from io.StringIO(text, newline="\n")      # lines end at \n only, as in the slow path
                continue
            for raw in _lines(block):
                self.line += 1
                yield self._one(raw)

    def _whole(self, block: bytes) -> str | None:
        enc = self.primary if self.strict else "utf-8" if self.main == "utf-8" else "ascii"
        try:
            return block.decode(enc)
        except UnicodeDecodeError:
            return None

    def _one(self, raw: bytes) -> str:
        if self.strict:
            try:
                return raw.decode(self.primary)
            except UnicodeDecodeError as exc:
                raise InputError(error("line_not_encoding", line=self.line, encoding=self.primary,
                                       byte=exc.start + 1), source=self.source,
                                 expected=f"{self.primary} text throughout, or the file's real --encoding") from None
        if raw.isascii():
            return raw.decode("ascii")
        for enc in ("utf-8", "gb18030"):
            try:
                text = raw.decode(enc)
            except UnicodeDecodeError:
                continue
            if enc != self.main:
                self.odd[self.line] = enc
            return text
        self.odd[self.line] = None
        return raw.decode(self.main, errors="replace")
