"""Where the web app's checks, reports and screens run: never two at once on the same GEOS objects.

Shapely geometries, their prepared forms and STRtrees are prepared or queried lazily inside GEOS, and GEOS runs
without the GIL: two request threads on one loaded layer crash the process (issue #24). So a server either runs
engine work in **worker processes** (`EnginePool`, the default of `zoning serve`: each worker loads its own copy
of the layers, takes one job at a time, and a worker that dies is replaced while the server answers the requests
it held with an error) or, on one person's machine and in tests, **in-process, one job at a time**
(`InlineEngine`). Both call the same job functions below, which call the one engine.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..engine import Context
from ..errors import ZoningError
from ..messages import error

_CTX: Context | None = None          # this process's engine context: layers loaded once per worker


def _ctx() -> Context:
    if _CTX is None:
        raise RuntimeError("the engine worker was not initialised (init_worker)")
    return _CTX


class WorkerDied(ZoningError):
    """A worker process ended (a crash or a kill) while it held this request; nothing was filed."""


def init_worker(layers) -> None:
    """Load the manifest's layers and build their indexes before the first job (each worker, once)."""
    global _CTX
    if multiprocessing.parent_process() is not None:
        from ..parent_watch import watch_parent
        watch_parent()                 # a server killed outright leaves no worker behind
        if os.name == "posix":
            signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C stops the server, which stops its workers
    from ..engine import make_context
    _CTX = make_context(layers=layers)
    warm(_CTX)


def warm(ctx) -> None:
    """Every layer's prepared store opened (prepared when missing) in every analysis CRS its extent meets, so
    that a first check is fast; whole layers are never loaded."""
    from ..overlay.prepared import extent_epsgs
    for spec in ctx.manifest.layers:
        layer, _, _ = ctx.layer(spec)
        if layer is None or spec.is_raster:
            continue
        try:
            for epsg in extent_epsgs(layer):
                layer.store(epsg)
        except ZoningError:
            pass                 # the check reports the layer failed


def check_job(site, options: dict, date, with_report: bool):
    """(CheckResult, report HTML or None) of one site: the check, and its report with the map."""
    from ..api import check
    from ..values import application_date as parse_date
    from ..render.report import report_html
    from ..render.site_map import build_site_map, map_html
    run_ctx = _ctx().on_date(parse_date(date or None))
    result = check(site, context=run_ctx, **options)
    result.manifest.pop("path", None)        # served over HTTP: the manifest's title, version and hash, no path
    html = report_html(result, run_ctx, map_html=map_html(build_site_map(result, run_ctx))) if with_report else None
    return result, html


def report_job(result, date) -> str:
    from ..values import application_date as parse_date
    from ..render.report import report_html
    from ..render.site_map import build_site_map, map_html
    run_ctx = _ctx().on_date(parse_date(date))
    return report_html(result, run_ctx, map_html=map_html(build_site_map(result, run_ctx)))


def docx_job(result, date, report_no=None, overrides=()) -> bytes:
    """The Word report of a stored check (its static map drawn from the layers in force on its date), with its
    register number and any reviewer's overrides."""
    from ..render.docx_report import report_docx
    from ..values import application_date as parse_date
    return report_docx(result, _ctx().on_date(parse_date(date)), report_no=report_no, overrides=overrides)


def screen_job(path, out, category, date) -> dict:
    from ..screen import ScreenOptions, screen
    # in this process: a worker's list is at most the server's row limit
    return screen(path, out, ScreenOptions(layers=_ctx().manifest, date=date or None, quiet=True,
                                           default_category=category or None, workers=1))


def _ping():
    return os.getpid()


class InlineEngine:
    """Engine jobs in the server process, one at a time (a lock): for one person's machine and for tests."""

    workers = 0

    def __init__(self, layers):
        init_worker(layers)
        self._lock = threading.Lock()

    def _locked(self, fn, *args):
        with self._lock:
            return fn(*args)

    async def call(self, fn, *args):
        from starlette.concurrency import run_in_threadpool
        return await run_in_threadpool(self._locked, fn, *args)

    def pids(self) -> list[int]:
        return [os.getpid()]

    def close(self):
        pass


class EnginePool:
    """`workers` processes, each with its own layers, one job at a time each; a dead worker is replaced.

    A job running on a worker that dies fails with WorkerDied (the caller answers 503 and files nothing); a job not
    yet started when the pool broke is sent once more to the new pool."""

    def __init__(self, layers, workers: int):
        self.layers, self.workers = layers, workers
        self._lock = threading.Lock()
        self._generation = 0
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn: forking a server's threads is unsafe; each worker imports and loads the layers itself
        ex = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=init_worker, initargs=(self.layers,))
        pings = [ex.submit(_ping) for _ in range(self.workers)]
        for p in pings:
            p.result(timeout=600)
        return ex

    def _replace(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return                  # another request already replaced it
            old = self._executor
            self._executor = self._start()
            self._generation += 1
        old.shutdown(wait=False, cancel_futures=True)

    async def call(self, fn, *args):
        for _attempt in (0, 1):
            generation, executor = self._generation, self._executor
            try:
                future = executor.submit(fn, *args)
            except (BrokenProcessPool, RuntimeError):
                await asyncio.to_thread(self._replace, generation)
                continue            # nothing ran: send it to the new pool
            try:
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                await asyncio.to_thread(self._replace, generation)
                raise WorkerDied(error("worker_died"), source="server",
                                 expected=error("worker_died_expected")) from None
        raise WorkerDied(error("workers_gone"), source="server",
                         expected="see the server's log")

    def pids(self) -> list[int]:
        return [p.pid for p in list(getattr(self._executor, "_processes", {}).values())]

    def close(self):
        self._executor.shutdown(wait=True, cancel_futures=True)


def make_engine(layers, workers: int):
    return EnginePool(layers, workers) if workers > 0 else InlineEngine(layers)
