"""Writing a screening result from its finished chunks: CSV, Excel, GeoPackage or GeoParquet.

Every output is written to a temporary file and renamed into place only when complete. CSV and GeoParquet
get their findings in a sidecar file beside them (`OUT.findings.csv` / `.parquet`); the GeoPackage holds the
site geometries (layer `screen`) and a `findings` table; Excel a `findings` sheet when it fits.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = (".csv", ".xlsx", ".gpkg", ".parquet")
EXCEL_MAX_ROWS = 1_048_575


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")


def _plain(table: pa.Table) -> pa.Table:
    return table.drop_columns([c for c in ("geometry_wkb",) if c in table.column_names])


def write(out: Path, state, chunks: list[int], findings: bool = True) -> list[Path]:
    """Assemble the final output(s) from the chunk files; returns the paths written.

    `findings=False` writes the rows only: no findings table, sheet or sidecar."""
    ext = out.suffix.lower()
    writer = {".csv": _csv, ".xlsx": _xlsx, ".gpkg": _gpkg, ".parquet": _parquet}[ext]
    return writer(out, state, chunks, findings)


def _csv(out, state, chunks, findings):
    written = []
    outputs = [(out, (state.rows(i) for i in chunks))]
    if findings:
        outputs.append((out.with_suffix(".findings.csv"), (state.findings(i) for i in chunks)))
    for path, tables in outputs:
        tmp = _tmp(path)
        with open(tmp, "wb") as fh:
            fh.write(b"\xef\xbb\xbf")   # so that Excel opens the Chinese text as UTF-8
            writer = None
            for t in tables:
                t = _plain(t)
                if writer is None:
                    writer = pacsv.CSVWriter(fh, t.schema)
                writer.write_table(t)
            if writer is not None:
                writer.close()
        os.replace(tmp, path)
        written.append(path)
    return written


def _xlsx(out, state, chunks, findings):
    import openpyxl
    wb = openpyxl.Workbook(write_only=True)
    total = 0
    for sheet, loader in (("screen", state.rows), ("findings", state.findings))[:2 if findings else 1]:
        ws = wb.create_sheet(sheet)
        header = False
        count = 0
        for i in chunks:
            t = _plain(loader(i))
            if not header:
                ws.append(t.column_names)
                header = True
            for rec in t.to_pylist():
                count += 1
                if count > EXCEL_MAX_ROWS:
                    break
                ws.append([rec[c] for c in t.column_names])
        if sheet == "screen":
            total = count
        elif count > EXCEL_MAX_ROWS:
            ws.append(["truncated: more findings than an Excel sheet holds; write .gpkg or .parquet for all"])
    if total > EXCEL_MAX_ROWS:
        raise OverflowError(f"{total} rows do not fit an Excel sheet; write .csv, .gpkg or .parquet")
    tmp = _tmp(out)
    wb.save(tmp)
    os.replace(tmp, out)
    return [out]


# The GeoPackage is a temporary file renamed into place only when complete, so SQLite need not sync each
# transaction to disk: a crash leaves a temporary file that is discarded anyway. About 1.5x faster inserts.
FAST_SQLITE = {"OGR_SQLITE_SYNCHRONOUS": "OFF", "OGR_SQLITE_JOURNAL": "OFF"}


def _gpkg(out, state, chunks, findings):
    import pyogrio
    before = {k: pyogrio.get_gdal_config_option(k) for k in FAST_SQLITE}
    pyogrio.set_gdal_config_options(FAST_SQLITE)
    try:
        return _gpkg_write(out, state, chunks, findings)
    finally:
        pyogrio.set_gdal_config_options(before)


def _gpkg_write(out, state, chunks, findings):
    import pyogrio
    tmp = _tmp(out)
    first = True
    for i in chunks:
        t = state.rows(i)
        pyogrio.write_arrow(t, tmp, layer="screen", driver="GPKG", geometry_name="geometry_wkb",
                            geometry_type="Unknown", crs="EPSG:4490", append=not first)
        first = False
    first_f = True
    for i in chunks if findings else ():
        f = state.findings(i)
        if f.num_rows == 0 and not first_f:
            continue
        pyogrio.write_arrow(f, tmp, layer="findings", driver="GPKG", geometry_name=None, geometry_type=None,
                            append=not first_f)
        first_f = False
    os.replace(tmp, out)
    return [out]


GEO_META = {"version": "1.0.0", "primary_column": "geometry",
            "columns": {"geometry": {"encoding": "WKB", "geometry_types": [], "crs": None}}}


def _parquet(out, state, chunks, findings):
    from pyproj import CRS
    meta = dict(GEO_META)
    meta["columns"] = {"geometry": dict(GEO_META["columns"]["geometry"], crs=CRS.from_epsg(4490).to_json_dict())}
    written = []
    tmp = _tmp(out)
    writer = None
    for i in chunks:
        t = state.rows(i)
        t = t.rename_columns([("geometry" if c == "geometry_wkb" else c) for c in t.column_names])
        if writer is None:
            schema = t.schema.with_metadata({b"geo": json.dumps(meta).encode()})
            writer = pq.ParquetWriter(tmp, schema)
        writer.write_table(t.cast(writer.schema))
    if writer is not None:
        writer.close()
    os.replace(tmp, out)
    written.append(out)
    fpath = out.with_suffix(".findings.parquet")
    ftmp = _tmp(fpath)
    fw = None
    for i in chunks if findings else ():
        f = state.findings(i)
        fw = fw or pq.ParquetWriter(ftmp, f.schema)
        fw.write_table(f)
    if fw is not None:
        fw.close()
        os.replace(ftmp, fpath)
        written.append(fpath)
    return written
