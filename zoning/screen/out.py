"""Writing a screening result while the run goes on: CSV, Excel, GeoPackage or GeoParquet.

Finished chunks are appended in input order as soon as every chunk before them is in, so the writing overlaps
the screening instead of following it. Every output is a temporary file renamed into place only when complete
(a killed run leaves temporary files, removed by the next run). CSV and GeoParquet get their findings in a sidecar
file beside them (`OUT.findings.csv` / `.parquet`); the GeoPackage holds the site geometries (layer `screen`) and
a `findings` table; Excel a `findings` sheet when it fits.
"""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..atomic import tmp_path
from ..messages import text
from ..render.spreadsheet import csv_table
from ..render.workbook import Sheet

FORMATS = (".csv", ".xlsx", ".gpkg", ".parquet")
EXCEL_MAX_ROWS = 1_048_575
SIDECAR = {".csv": ".findings.csv", ".parquet": ".findings.parquet"}


def _tmp(path: Path) -> Path:
    return tmp_path(path, suffix=True)


def _plain(table: pa.Table) -> pa.Table:
    return table.drop_columns([c for c in ("geometry_wkb",) if c in table.column_names])


class Output:
    """The output of one run, written chunk by chunk in input order.

    `add(i)` says chunk i is saved in `state`; chunks are appended as soon as all before them are in. `close()`
    appends what is left, renames the files into place and returns their paths; `abort()` removes them."""

    def __init__(self, out: Path, state, schemas, findings: bool = True):
        ext = out.suffix.lower()
        self.out, self.state, self.findings, self.schemas = out, state, findings, schemas
        self.paths = [out] + ([out.with_suffix(SIDECAR[ext])] if findings and ext in SIDECAR else [])
        for path in self.paths:          # left behind by a killed run
            for stale in path.parent.glob(f".{path.name}.*.tmp{path.suffix}"):
                stale.unlink(missing_ok=True)
        sinks: dict[str, Any] = {".csv": _Csv, ".xlsx": _Xlsx, ".gpkg": _Gpkg, ".parquet": _Parquet}
        self.sink = sinks[ext](self.paths, findings)
        self.next, self.ready = 0, set[int]()

    def add(self, index: int) -> None:
        self.ready.add(index)
        while self.next in self.ready:
            self.ready.discard(self.next)
            self.sink.add(self.state.rows(self.next), self.state.findings(self.next) if self.findings else None)
            self.next += 1

    def close(self, indices: list[int]) -> list[Path]:
        for i in indices:
            if i >= self.next:
                self.add(i)
        if self.ready:
            raise RuntimeError(f"chunks {sorted(self.ready)} finished but chunk {self.next} is missing")
        if self.next == 0:               # an empty list still gets its (empty) outputs
            rows, findings = self.schemas
            rows = rows.append(pa.field("geometry_wkb", pa.binary()))
            self.sink.add(rows.empty_table(), findings.empty_table() if self.findings else None)
        self.sink.close()
        for path in self.paths:
            os.replace(_tmp(path), path)
        return list(self.paths)

    def abort(self) -> None:
        with contextlib.suppress(Exception):     # the run already failed; its error is the one to report
            self.sink.close()
        for path in self.paths:
            _tmp(path).unlink(missing_ok=True)


class _Csv:
    def __init__(self, paths, findings):
        self.files = [open(_tmp(p), "wb") for p in paths]    # noqa: SIM115 - closed by close(), chunk after chunk
        for fh in self.files:
            fh.write(b"\xef\xbb\xbf")   # so that Excel opens the Chinese text as UTF-8
        self.writers = [None] * len(paths)

    def add(self, rows, findings):
        for k, t in enumerate([rows] + ([findings] if findings is not None else [])):
            t = csv_table(_plain(t))
            if self.writers[k] is None:
                self.writers[k] = pacsv.CSVWriter(self.files[k], t.schema)
            self.writers[k].write_table(t)

    def close(self):
        for w in self.writers:
            if w is not None:
                w.close()
        for fh in self.files:
            fh.close()


class _Xlsx:
    def __init__(self, paths, findings):
        import openpyxl
        self.path = paths[0]
        self.wb = openpyxl.Workbook(write_only=True)
        self.sheets: list = [None, None] if findings else [None]
        self.titles = ["筛查 screen", "发现 findings"]
        self.counts = [0] * len(self.sheets)
        self.closed = False

    def add(self, rows, findings):
        for k, t in enumerate([rows] + ([findings] if findings is not None else [])):
            t = _plain(t)
            if self.sheets[k] is None:
                self.sheets[k] = Sheet(self.wb, self.titles[k], t.column_names)
            sheet = self.sheets[k]
            names = t.column_names
            for rec in t.to_pylist():
                self.counts[k] += 1
                if self.counts[k] <= EXCEL_MAX_ROWS:
                    sheet.append([rec[c] for c in names])

    def close(self):
        if self.closed:
            return
        self.closed = True
        if self.counts[0] > EXCEL_MAX_ROWS:
            raise OverflowError(text("excel_too_many_rows", rows=self.counts[0]))
        if len(self.counts) > 1 and self.counts[1] > EXCEL_MAX_ROWS:
            self.sheets[1].note(text("excel_truncated"))
        self.wb.save(_tmp(self.path))


# The GeoPackage is a temporary file renamed into place only when complete, so SQLite need not sync each
# transaction to disk: a crash leaves a temporary file that is discarded anyway. About 1.5x faster inserts. Pages
# of 16 KiB (set when the file is created) hold the long findings rows in fewer pages: about 8 % faster again.
FAST_SQLITE = {"OGR_SQLITE_SYNCHRONOUS": "OFF", "OGR_SQLITE_JOURNAL": "OFF", "OGR_SQLITE_PRAGMA": "page_size=16384"}


class _Gpkg:
    def __init__(self, paths, findings):
        self.tmp, self.findings = _tmp(paths[0]), findings
        self.first_rows = self.first_findings = True

    def add(self, rows, findings):
        import pyogrio
        before = {k: pyogrio.get_gdal_config_option(k) for k in FAST_SQLITE}
        pyogrio.set_gdal_config_options(FAST_SQLITE)
        try:
            pyogrio.write_arrow(rows, self.tmp, layer="screen", driver="GPKG", geometry_name="geometry_wkb",
                                geometry_type="Unknown", crs="EPSG:4490", append=not self.first_rows)
            self.first_rows = False
            if findings is not None and (findings.num_rows or self.first_findings):
                pyogrio.write_arrow(findings, self.tmp, layer="findings", driver="GPKG", geometry_name=None,
                                    geometry_type=None, append=not self.first_findings)
                self.first_findings = False
        finally:
            pyogrio.set_gdal_config_options(before)

    def close(self):
        pass


GEO_META = {"version": "1.0.0", "primary_column": "geometry",
            "columns": {"geometry": {"encoding": "WKB", "geometry_types": [], "crs": None}}}


class _Parquet:
    def __init__(self, paths, findings):
        from pyproj import CRS
        self.paths = paths
        meta = dict(GEO_META)
        meta["columns"] = {"geometry": dict(GEO_META["columns"]["geometry"], crs=CRS.from_epsg(4490).to_json_dict())}
        self.geo = json.dumps(meta).encode()
        self.writers = [None] * len(paths)

    def add(self, rows, findings):
        rows = rows.rename_columns([("geometry" if c == "geometry_wkb" else c) for c in rows.column_names])
        for k, t in enumerate([rows] + ([findings] if findings is not None else [])):
            if self.writers[k] is None:
                schema = t.schema.with_metadata({b"geo": self.geo}) if k == 0 else t.schema
                self.writers[k] = pq.ParquetWriter(_tmp(self.paths[k]), schema)
            self.writers[k].write_table(t.cast(self.writers[k].schema))

    def close(self):
        for w in self.writers:
            if w is not None:
                w.close()
