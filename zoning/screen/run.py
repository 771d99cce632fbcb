"""`zoning screen`: a project list through the engine in chunks, on forked worker processes or a dask cluster."""
from __future__ import annotations

import datetime as dt
import errno
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
import multiprocessing as mp
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow.compute as pc

from ..progress import Progress
from .._version import __version__
from ..engine import make_context
from ..atomic import write_text
from ..errors import InputError
from ..inputs import ReadOptions
from ..inputs.chunks import iter_chunks
from . import out as screen_out
from .chunk import ChunkResult, ChunkSettings, finding_schema, process_chunk, row_schema
from .state import RunState, fingerprint
from ..messages import error


@dataclass
class ScreenOptions:
    layers: object = None
    date: object = None
    tolerance_m: float = 0.5
    read: ReadOptions = field(default_factory=ReadOptions)
    default_category: str | None = None
    national_major: bool | None = None
    crs: str | None = None
    radius_m: float | None = None
    width_m: float | None = None
    chunk_size: int = 5000
    workers: int | None = None
    engine: str = "local"
    scheduler: str | None = None
    resume: bool = False
    restart: bool = False       # with resume: a run whose inputs or rules changed starts over instead of refusing
    quiet: bool = False
    map_path: str | None = None
    reports_dir: str | None = None
    reports_for: tuple | None = None
    findings: bool = True       # False: no findings table, and nothing computed that only it would show


def _estimate_rows(path: Path) -> int | None:
    """A row count for the progress bar's ETA, without reading the list twice when that is costly."""
    try:
        if path.suffix.lower() in (".csv", ".txt", ".tsv"):
            with open(path, "rb") as fh:
                return max(sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 20), b"")) - 1, 0)
        if path.suffix.lower() in (".gpkg", ".fgb", ".shp", ".geojson", ".json"):
            import pyogrio
            return int(pyogrio.read_info(path)["features"])
    except Exception:   # the estimate is a nicety; the run itself reports real errors
        return None
    return None


def screen(list_path, out, opts: ScreenOptions | None = None) -> dict:
    """Screen every row of `list_path` and write `out`; returns the run summary."""
    opts = opts or ScreenOptions()
    t0 = time.perf_counter()
    list_path, out = Path(list_path), Path(out)
    _check_run(out, opts)
    ctx = make_context(layers=opts.layers, date=opts.date, tolerance_m=opts.tolerance_m)
    if opts.default_category is not None:
        ctx.catalogue.categories.match(opts.default_category, source="--default-category")
    hashes = {}
    for spec in ctx.manifest.layers:
        layer, _, error = ctx.layer(spec)
        hashes[spec.id] = layer.sha256 if layer else f"failed: {error}"
    settings = ChunkSettings(crs=opts.crs, radius_m=opts.radius_m, width_m=opts.width_m,
                             default_category=opts.default_category, national_major=opts.national_major,
                             findings=opts.findings)
    run_opts = {k: v for k, v in asdict(opts).items() if k not in ("resume", "restart", "quiet", "workers",
                                                                      "engine", "scheduler", "map_path")}
    run_opts["date"] = ctx.date.isoformat()
    run_opts["manifest"] = str(ctx.manifest.path)
    say = (lambda *a: None) if opts.quiet else (lambda *a: print(*a, file=sys.stderr))
    state = RunState(out, say)
    versions = run_versions(ctx)
    fp = fingerprint(list_path, run_opts, hashes, __version__,
                     rule_sets={k: v["sha256"] for k, v in versions["rule_sets"].items()},
                     manifest={"sha256": ctx.manifest.sha256})
    _check_output_folder(out)
    done = state.start(fp, opts.resume, opts.restart)
    _warn_if_short_of_space(list_path, out, opts.findings, say)
    layer_ids = [s.id for s in ctx.manifest.layers]
    rschema, fschema = row_schema(layer_ids), finding_schema()
    levels = None
    if opts.reports_dir:
        levels = set(opts.reports_for or ("prohibited", "conditional", "permitted"))
        Path(opts.reports_dir).mkdir(parents=True, exist_ok=True)
    progress = Progress(_estimate_rows(list_path), "rows", "筛查 screen", show=False if opts.quiet else None)
    output = screen_out.Output(out, state, (rschema, fschema), findings=opts.findings)
    for i in sorted(done):
        output.add(i)

    def finish_chunk(result):
        if levels is not None:
            _write_reports(Path(opts.reports_dir), result.reports)
        if result.rows is not None:          # a worker process saves its own chunks
            state.save(result, rschema, fschema)
        output.add(result.index)
        progress.update(result.n)

    chunks = enumerate(iter_chunks(list_path, opts.read, opts.chunk_size))
    # the loaded layers live as long as the run: keep the collector from scanning them again and again (and
    # forked workers from touching their pages)
    gc.freeze()
    try:
        if opts.engine == "dask":
            from .dask_engine import run_dask
            run_dask(chunks, done, ctx, settings, levels, finish_chunk, opts.scheduler, opts.workers, progress)
        else:
            _run_local(chunks, done, ctx, settings, levels, finish_chunk, opts.workers or os.cpu_count() or 1,
                       progress, lambda result: state.save(result, rschema, fschema))
        indices = state.chunks()
        written = output.close(indices)
    except (KeyboardInterrupt, Terminated) as exc:
        output.abort()
        raise Interrupted(state.rows_done(), _estimate_rows(list_path),
                          143 if isinstance(exc, Terminated) else 130) from None
    except OSError as exc:
        output.abort()
        raise RunFault(exc, out, state) from None
    except BaseException:
        output.abort()
        raise
    finally:
        progress.close()
        gc.unfreeze()
    summary = _summary(state, indices, ctx, list_path, out, written, time.perf_counter() - t0)
    summary["versions"] = versions
    _write_summary(summary, out, opts, state, indices, ctx)
    state.finish()
    return summary


def _check_run(out: Path, opts: ScreenOptions) -> None:
    """A user's mistake in where to write or how to run, found before anything is read."""
    if out.suffix.lower() not in screen_out.FORMATS:
        raise InputError(error("cannot_write_format", ext=out.suffix), source=str(out),
                         expected=" | ".join(screen_out.FORMATS))
    if not out.parent.exists():
        raise InputError(error("no_output_folder"), source=str(out.parent), expected="an existing folder")
    if opts.engine == "dask":
        from ..extras import require
        require("dask", "--engine dask")


def _write_summary(summary: dict, out: Path, opts: ScreenOptions, state, indices, ctx) -> None:
    """The summary beside the output (and the overview map when asked for), named in the summary's outputs."""
    side = out.with_suffix(".summary.json")
    write_text(side, json.dumps(summary, ensure_ascii=False, indent=2))
    summary["outputs"].append(str(side))
    if opts.map_path:
        from .overview_map import overview_map
        overview_map(state, indices, ctx, Path(opts.map_path))
        summary["outputs"].append(str(opts.map_path))


class Terminated(BaseException):
    """SIGTERM, raised in the main thread by the handler the command installs."""


class Interrupted(BaseException):
    """A run stopped by Ctrl-C or SIGTERM: its state is kept for --resume."""

    def __init__(self, rows_done: int, rows_total: int | None, code: int):
        self.rows_done, self.rows_total, self.code = rows_done, rows_total, code
        self.message = error("interrupted", rows=rows_done, of=f" / 共 {rows_total:,}" if rows_total else "",
                             of_en=f" of {rows_total:,}" if rows_total else "")
        super().__init__(self.message)


class RunFault(InputError):
    """A disk or permission fault during a run: one line naming the path, what failed and what to do."""

    def __init__(self, exc: OSError, out: Path, state):
        path = exc.filename or out
        what = exc.strerror or str(exc)
        todo = {errno.ENOSPC: "free space", errno.EDQUOT: "free space", errno.EROFS: "use a writable folder",
                errno.EACCES: "make the folder writable", errno.EPERM: "make the folder writable",
                errno.ENOENT: "keep the output folder and its .zoning-run folder in place"}.get(exc.errno or 0,
                                                                                             "fix the cause")
        kept = state.rows_done() if state.dir.exists() else 0
        super().__init__(error("run_fault", what=what, kept=kept), source=str(path),
                         expected=error("run_fault_expected", todo=todo))


def _check_output_folder(out: Path) -> None:
    """The output folder takes files, before any work is done."""
    try:
        with tempfile.NamedTemporaryFile(dir=out.parent, prefix=".zoning-write-test-"):
            pass
    except OSError as exc:
        raise InputError(f"cannot write in the output folder: {exc.strerror}", source=str(out.parent),
                         expected="a writable folder for --out") from None


BYTES_PER_ROW = {True: 5200, False: 1900}   # output plus run state, measured on the demo layers (1 M rows)


def _warn_if_short_of_space(list_path: Path, out: Path, findings: bool, say) -> None:
    rows = _estimate_rows(list_path)
    if not rows:
        return
    need = rows * BYTES_PER_ROW[findings]
    free = shutil.disk_usage(out.parent).free
    if free < need:
        say(f"warning: {out.parent} has {free / 1e9:.2f} GB free; about {need / 1e9:.2f} GB are needed for "
            f"{rows:,} rows{' with findings' if findings else ''}. A run that fills the disk stops and can be "
            "resumed with --resume once space is freed")


def run_versions(ctx) -> dict:
    """The versions every row of a run is judged under: rule sets, layers and the manifest."""
    layers = {}
    for spec in ctx.manifest.layers:
        layer, _, error = ctx.layer(spec)
        layers[spec.id] = ({"version": layer.version, "sha256": layer.sha256} if layer is not None
                           else {"version": spec.version, "failed": error})
    return {"manifest": {"title": ctx.manifest.title, "version": ctx.manifest.version or None,
                         "sha256": ctx.manifest.sha256},
            "rule_sets": {rs.id: {"version": rs.version, "sha256": rs.sha256} for rs in ctx.rule_sets()},
            "layers": layers, "tool_version": __version__}


def _run_local(chunks, done, ctx, settings, levels, finish, workers, progress, save):
    """Chunks in this process, or (with several workers) on a pool of forked worker processes.

    Before forking, a few sites run here so that the layers' indexes and caches are built once and inherited
    by the workers. A chunk travels as raw rows where it can (`inputs.chunks`): the worker builds its sites,
    saves its own chunk files, and only a row count (and any reports) comes back."""
    pending = set()
    pool = None
    parallel = workers > 1 and "fork" in mp.get_all_start_methods()
    try:
        for index, chunk in chunks:
            if index in done:
                progress.update(len(chunk))
                continue
            if not parallel:
                finish(process_chunk(index, chunk.sites(), ctx, settings, report_levels=levels))
                continue
            if pool is None:
                process_chunk(-1, chunk.sites()[:WARM_UP], ctx, settings)
                gc.freeze()              # the indexes the warm-up built, before the workers inherit them
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"),
                                           initializer=_init_worker, initargs=(ctx, settings, levels, save))
            pending.add(pool.submit(_work, index, chunk))
            if len(pending) >= 2 * workers:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    finish(f.result())
        for f in pending:
            finish(f.result())
    except BaseException:
        if pool is not None:          # stopped or failed: the workers stop now, not after their chunks
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.kill()
            # wait for the pool's manager thread (prompt: its workers are dead), so that Python's exit handler
            # does not wake it through a pipe already closed ("Bad file descriptor" printed at exit)
            pool.shutdown(wait=True, cancel_futures=True)
            pool = None
        raise
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


_WORKER: dict = {}
WARM_UP = 64        # sites run before forking, to build the indexes the workers inherit


def _init_worker(ctx, settings, levels, save):
    from ..layers import raster
    from ..parent_watch import watch_parent
    watch_parent()
    raster._LOCAL.__dict__.clear()     # never share a parent's open raster handle (and file offset)
    _WORKER.update(ctx=ctx, settings=settings, levels=levels, save=save)


def _work(index, chunk):
    w = _WORKER
    result = process_chunk(index, chunk.sites(), w["ctx"], w["settings"], report_levels=w["levels"])
    w["save"](result)
    return ChunkResult(index, None, None, result.reports, result.n)


def _write_reports(folder: Path, reports):
    from ..render.text import render_text
    for row, result in reports:
        stem = _safe(f"{row['row']:07d}_{row['id']}")
        (folder / f"{stem}.txt").write_text(render_text(result) + "\n", encoding="utf-8")
        (folder / f"{stem}.json").write_text(result.to_json(indent=2), encoding="utf-8")


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:120]


def _summary(state, indices, ctx, list_path, out, written, seconds) -> dict:
    verdicts: Counter = Counter()
    categories: Counter = Counter()
    errors, incomplete = 0, 0
    layers: dict[str, Counter] = {spec.id: Counter() for spec in ctx.manifest.layers}
    rows = 0

    def count(counter, array):
        for item in pc.value_counts(array).to_pylist():
            counter[item["values"]] += item["counts"]

    for i in indices:
        t = state.rows(i, ["verdict", "category", "error", "complete"] + [f"{lid}_status" for lid in layers])
        rows += t.num_rows
        judged = t.filter(pc.invert(pc.fill_null(pc.not_equal(t["error"], ""), False)))
        errors += t.num_rows - judged.num_rows
        count(verdicts, judged["verdict"])
        count(categories, judged["category"])
        incomplete += (judged.num_rows - pc.sum(judged["complete"]).as_py()) if judged.num_rows else 0
        for lid in layers:
            count(layers[lid], judged[f"{lid}_status"])
    judged_rows = rows - errors
    return {"input": str(list_path), "output": str(out), "outputs": [str(p) for p in written], "rows": rows,
            "rows_in_error": errors, "incomplete": incomplete, "verdicts": dict(verdicts),
            "categories": dict(categories), "layers": {k: dict(v) for k, v in layers.items()},
            "incomplete_by_layer": {k: v.get("not_checked", 0) + v.get("failed", 0) for k, v in layers.items()},
            "failed_layers": [k for k, v in layers.items() if judged_rows and v.get("failed", 0) == judged_rows],
            "date": ctx.date.isoformat(), "seconds": round(seconds, 3),
            "rows_per_second": round(rows / seconds, 1) if seconds > 0 else None, "tool_version": __version__,
            "finished": dt.datetime.now().isoformat(timespec="seconds")}
