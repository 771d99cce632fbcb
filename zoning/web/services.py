"""The service layer between the routes and the engine: a check filed once per idempotency key, reports kept as
first shown, screens of uploaded lists, the impact of a layer update, and the register's records as results."""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from ..messages import error
from .. import values
from ..engine import Context, make_context
from ..errors import InputError, ZoningError
from .accounts import Accounts
from .downloads import ResultStore
from .engine_pool import check_job, make_engine, report_job, screen_job
from .errors import NotFound
from .register import Register
from .uploads import (TooLarge, check_vertices, for_the_web, list_from_upload, site_from_drawn, site_from_text,
                      site_from_upload, web_text)


def distance(v):
    """A radius or width from a form or an API call: empty is none given."""
    return None if v in (None, "") else values.metres(v, source="form", top=100_000)


@dataclass
class Services:
    ctx: Context                 # the manifest and categories; layers load in the engine
    engine: Any
    register: Register
    accounts: Accounts
    results: ResultStore
    auth: bool
    limit: int                   # bytes of an upload
    max_vertices: int
    max_list_rows: int
    inflight: dict = field(default_factory=dict)   # Idempotency-Key -> the future of the request filing it
    inflight_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, *, layers, db, limit: int, max_vertices: int, max_list_rows: int, workers: int, auth: bool):
        ctx = make_context(layers=layers)
        engine = make_engine(ctx.manifest, workers)  # layers loaded and indexed at start-up, not on first request
        register = Register(db)
        return cls(ctx=ctx, engine=engine, register=register, accounts=Accounts(register),
                   results=ResultStore(register.path.parent / "screen-results"), auth=auth, limit=limit,
                   max_vertices=max_vertices, max_list_rows=max_list_rows)

    @property
    def categories(self) -> list:
        return list(self.ctx.catalogue.categories)

    # -- checks ------------------------------------------------------------------------------------------------

    async def check(self, site, *, category, national_major, date, crs, radius, width, name, case_ref, input_name,
                    input_bytes, with_report: bool, key: str | None = None, user: str | None = None):
        """(check id, result dict) of one site, filed once per Idempotency-Key: a request repeating a key gets the
        check filed first, and requests with one key at the same time wait for the first."""
        first = True
        if key:
            known = await run_in_threadpool(self.register.by_key, key)
            if known is not None:
                return known["id"], known["result"]
            with self.inflight_lock:    # a thread-safe future: requests may be served on more than one event loop
                first = key not in self.inflight
                fut = self.inflight.setdefault(key, concurrent.futures.Future())
            if not first:
                return await asyncio.wrap_future(fut)
        try:
            check_vertices(site, self.max_vertices)
            options = dict(category=category or None, national_major=national_major, crs=crs or None,
                           radius_m=radius, width_m=width, name=name or None)
            try:
                result, html = await self.engine.call(check_job, site, options, date, with_report)
            except ZoningError as exc:
                raise for_the_web(exc, None, input_name or "") from None
            check_id = await run_in_threadpool(self.register.add, result, case_ref=case_ref, input_name=input_name,
                                               input_bytes=input_bytes, report_html=html, key=key, user=user)
            out = check_id, result.to_dict()
        except BaseException as exc:
            if key:
                with self.inflight_lock:
                    self.inflight.pop(key).set_exception(exc)
            raise
        if key:
            with self.inflight_lock:
                self.inflight.pop(key).set_result(out)
        return out

    async def read_limited(self, upload: UploadFile) -> bytes:
        data = await upload.read(self.limit + 1)
        if len(data) > self.limit:
            raise TooLarge(f"the upload is larger than {self.limit / 1e6:.0f} MB", source=upload.filename or "upload",
                           expected=f"at most {self.limit / 1e6:.0f} MB")
        return data

    async def site_from_form(self, file, coords, drawn, site_id, tmp: Path):
        """(site, input name, input bytes) of the check form: a file, a drawn polygon or pasted text."""
        if file is not None and file.filename:
            data = await self.read_limited(file)
            return site_from_upload(data, file.filename, tmp, site_id=site_id or None), file.filename, data
        if drawn:
            return site_from_drawn(drawn), "drawn.geojson", drawn.encode("utf-8")
        if coords and coords.strip():
            if len(coords.encode("utf-8")) > self.limit:
                raise TooLarge("the pasted text is too large", source="pasted coordinates",
                               expected=f"at most {self.limit / 1e6:.0f} MB")
            return site_from_text(coords, tmp, site_id=site_id or None), "pasted.txt", coords.encode("utf-8")
        raise InputError(error("no_site"), source="form", expected="a file, pasted coordinates or a drawn polygon")

    # -- the register ------------------------------------------------------------------------------------------

    def record(self, check_id: int) -> dict:
        rec = self.register.get(check_id) if 0 < check_id < 2 ** 63 else None
        if rec is None:
            raise NotFound(f"no check #{check_id} in the register", source="/checks",
                           expected="an id listed at /checks")
        return rec

    async def report(self, rec) -> str:
        """The report as first shown; a check made through the API gets its report rendered once, then kept."""
        if rec["report_html"] is None:
            html = await self.engine.call(report_job, result_from_record(rec), rec["app_date"])
            await run_in_threadpool(self.register.set_report, rec["id"], html)
            rec = await run_in_threadpool(self.register.get, rec["id"])
        return rec["report_html"]

    # -- lists -------------------------------------------------------------------------------------------------

    async def screen_upload(self, file, category, date):
        """(download token, summary, rows) of an uploaded list screened by the one engine."""
        data = await self.read_limited(file)
        filename = file.filename or "list"
        with tempfile.TemporaryDirectory(prefix="zoning-screen-") as tmp:       # removed when the answer is made
            out_dir = Path(tmp)
            path = list_from_upload(data, filename, out_dir, self.max_list_rows)
            out = out_dir / "result.csv"
            try:
                summary = await self.engine.call(screen_job, path, out, category, date)
            except ZoningError as exc:
                raise for_the_web(exc, path, filename) from None
            rows = await run_in_threadpool(publish, out, out_dir / "result.xlsx", path, filename)
            token = await run_in_threadpool(self.results.keep, out_dir)
        kept = {k: v for k, v in summary.items() if k not in ("input", "output", "outputs")}
        return token, kept | {"input": filename}, rows

    # -- layer updates -----------------------------------------------------------------------------------------

    def update_manifests(self) -> list[Path]:
        """Manifests an update may be compared from: *.toml with [[layers]] beside the folder in use (a fixed list:
        the page never takes a path, so it cannot be made to read other files)."""
        here = Path(self.ctx.manifest.path)
        root = here.parent.parent
        found = []
        for p in sorted(set(root.glob("*.toml")) | set(root.glob("*/*.toml"))):
            try:
                if p.resolve() != here.resolve() and "[[layers]]" in p.read_text(encoding="utf-8", errors="ignore"):
                    found.append(p)
            except OSError:
                continue
        return found

    async def impact(self, choice: int):
        """(Impact, download token) of the register re-run on the chosen update."""
        from ..render.impact_out import write_impact_xlsx
        from ..screen.impact import impact
        choices = self.update_manifests()
        if not 0 <= choice < len(choices):
            raise InputError(error("no_such_manifest"), source="/impact", expected="one of the listed manifests")
        sites = await run_in_threadpool(self.register.sites)
        result = await run_in_threadpool(impact, self.ctx.manifest.path, choices[choice], sites, "register")
        with tempfile.TemporaryDirectory(prefix="zoning-web-") as tmp:
            await run_in_threadpool(write_impact_xlsx, result, Path(tmp) / "impact.xlsx")
            token = await run_in_threadpool(self.results.keep, Path(tmp))
        return result, token


def publish(csv_path: Path, xlsx_path: Path, list_path: Path, filename: str) -> list[dict]:
    """The screening table as the user gets it: messages in the web's words (naming the file as uploaded), the CSV
    rewritten so, and the same table as a typed Excel sheet; returns the rows."""
    import csv

    import openpyxl

    from ..atomic import replacing
    from ..render.spreadsheet import csv_text
    from ..render.workbook import Sheet
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = [{k: web_text(v, list_path, filename) if k in ("error", "warnings") else v for k, v in r.items()}
                for r in reader]
    with replacing(csv_path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows({k: csv_text(v) for k, v in r.items()} for r in rows)
    wb = openpyxl.Workbook(write_only=True)
    sheet = Sheet(wb, "筛查 screen", header)       # typed cells from the CSV's text (workbook.typed)
    for r in rows:
        sheet.append([r[h] for h in header])
    wb.save(xlsx_path)
    return rows


def result_from_record(rec):
    """A CheckResult rebuilt from the register (the stored JSON is the result; nothing is recomputed)."""
    import shapely

    from ..verdict.result import CheckResult, Finding, LayerReport
    d = rec["result"]
    findings = [Finding.from_dict(f) for f in d["findings"]]
    layers = [LayerReport(**lr) for lr in d["layers"]]
    return CheckResult(verdict=d["verdict"], complete=d["complete"], date=d["date"], site=d["site"], layers=layers,
                       findings=findings, rule_sets=d["rule_sets"], tool_version=d["tool_version"],
                       analysis_crs=d["analysis_crs"], tolerance_m=d["tolerance_m"], manifest=d["manifest"],
                       warnings=d["warnings"], incomplete_reasons=d["incomplete_reasons"], disclaimer=d["disclaimer"],
                       site_geometry=shapely.geometry.shape(json.loads(rec["site_geojson"])))
