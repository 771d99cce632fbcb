"""A project list in chunks of rows that become sites in the process that screens them.

Building each row's SiteInput is per-row Python work. Done by the process that reads the list, it would be work the
screening workers wait for, and the sites would then be pickled to them. Vector files are read by GDAL into Arrow
batches, so their chunks carry the raw Arrow rows (as IPC bytes: a sliced batch would pickle whole); CSV and Excel
chunks carry the raw cell values; both build their sites (and parse their WKT) where they run. Other formats carry
ready sites.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from collections.abc import Callable, Iterator

import pyarrow as pa

from ..errors import InputError
from .options import ReadOptions
from .read import iter_sites
from .sites import SiteInput


@dataclass
class RowChunk:
    """`n` rows of a list; `sites()` builds them as `build(*args)` (a module-level function, so that the chunk
    pickles) in whichever process runs it."""
    n: int
    build: Callable
    args: tuple

    def __len__(self) -> int:
        return self.n

    def sites(self) -> list[SiteInput]:
        return self.build(*self.args)


def iter_chunks(path, opts: ReadOptions, size: int) -> Iterator[RowChunk]:
    """The rows of `path` in chunks of `size`, in order; every row is in exactly one chunk."""
    from .detect import detect_format
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", source=str(path), expected="a path to a site file")
    fmt = detect_format(path, opts.format_in)
    if fmt == "table":
        from .table import table_rows, table_sites
        meta, rows = table_rows(path, opts)
        for batch in _batched(rows, size):
            yield RowChunk(len(batch), table_sites, (meta, batch))
        return
    if fmt in ("jzd_txt", "dxf", "parquet"):
        for batch in _batched(iter_sites(path, opts), size):
            yield RowChunk(len(batch), _ready, (batch,))
        return
    from .vector import vector_batches
    pieces, count = [], 0
    for batch, meta, first in vector_batches(path, opts, zipped=fmt == "zip"):
        start = 0
        while start < batch.num_rows:
            take = min(size - count, batch.num_rows - start)
            pieces.append((_ipc(batch.slice(start, take)), meta, first + start))
            count, start = count + take, start + take
            if count == size:
                yield RowChunk(count, _vector_pieces, (pieces,))
                pieces, count = [], 0
    if count:
        yield RowChunk(count, _vector_pieces, (pieces,))


def _batched(it, size):
    it = iter(it)
    while batch := list(islice(it, size)):
        yield batch


def _ready(sites):
    return sites


def _vector_pieces(pieces) -> list[SiteInput]:
    from .vector import vector_sites
    out = []
    for ipc, meta, first in pieces:
        out += vector_sites(pa.ipc.open_stream(ipc).read_all(), meta, first)
    return out


def _ipc(batch) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue()
