"""The dask engine: the same per-chunk function on a dask.distributed cluster.

The context (manifest, rules and the loaded layers) is scattered to every worker once; only the sites travel.
The list goes through in blocks of whole chunks (BLOCK rows), so memory stays bounded whatever its length. Within a
block, sites are partitioned spatially by their Hilbert distance (dask-geopandas), so that each task touches a
compact part of the layers; results are put back into input order and saved chunk by chunk, as the local engine
does, so that the output and `--resume` are the same.
"""
from __future__ import annotations

import logging
from collections import defaultdict

import numpy as np
import shapely

from .chunk import ChunkResult, process_chunk


def _hilbert_order(sites, npartitions: int) -> np.ndarray:
    import dask_geopandas
    import geopandas as gpd
    pts = [s.geometry.representative_point() if s.geometry is not None and not s.geometry.is_empty
           else shapely.Point(0, 0) for s in sites]
    gdf = gpd.GeoDataFrame({"k": np.arange(len(sites))}, geometry=pts)
    ddf = dask_geopandas.from_geopandas(gdf, npartitions=max(1, npartitions))
    dist = ddf.hilbert_distance(total_bounds=gdf.total_bounds).compute(scheduler="sync")
    return np.argsort(dist.to_numpy(), kind="stable")


BLOCK = 100_000     # rows partitioned, screened and written together
RETRIES = 3         # runs of a block again after a lost worker


def _lost():
    from distributed.client import FutureCancelledError
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker
    return (FutureCancelledError, KilledWorker, CommClosedError)


def run_dask(chunks, done, ctx, settings, levels, finish, scheduler, workers, progress):
    from dask.distributed import Client, LocalCluster
    LOST = _lost()
    conn: dict = {}

    def run(block):
        if not conn:         # connect at the first block with work: a resumed, finished run needs no cluster
            conn["cluster"] = None
            if scheduler:
                conn["client"] = Client(scheduler)
            else:
                conn["cluster"] = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                               dashboard_address=None)
                conn["client"] = Client(conn["cluster"])
            conn["ctx"] = conn["client"].scatter(ctx, broadcast=True)
        for attempt in range(RETRIES + 1):
            try:
                # a block's results are saved only when all of them are back: a retry repeats nothing
                _run_block(conn["client"], conn["ctx"], block, settings, levels, finish)
                return
            except LOST as exc:
                if attempt == RETRIES:
                    raise
                # a worker died: the scheduler may have lost the context it held; send it again, run the block again
                conn["ctx"] = conn["client"].scatter(ctx, broadcast=True)
                logging.getLogger("zoning.screen").warning("a dask worker was lost (%s); the block runs again",
                                                           type(exc).__name__)

    block = []
    try:
        for index, chunk in chunks:
            if index in done:
                progress.update(len(chunk))
                continue
            block += [(index, pos, s) for pos, s in enumerate(chunk.sites())]
            if len(block) >= BLOCK:
                run(block)
                block = []
        if block:
            run(block)
    finally:
        if conn:
            conn["client"].close()
            if conn["cluster"] is not None:
                conn["cluster"].close()


def _run_block(client, ctx_future, todo, settings, levels, finish):
    n_workers = max(1, len(client.scheduler_info()["workers"]))
    n_tasks = max(n_workers * 4, len(todo) // 5000 + 1)
    order = _hilbert_order([s for _, _, s in todo], n_tasks)
    futures = [client.submit(process_chunk, part, [todo[i][2] for i in idx], ctx_future, settings,
                             report_levels=levels, pure=False)
               for part, idx in enumerate(np.array_split(order, n_tasks)) if len(idx)]
    _reassemble(todo, client.gather(futures), finish)


def _reassemble(todo, results, finish):
    """Back from spatial partitions to the input's chunks, in input order."""
    import pyarrow as pa
    import pyarrow.compute as pc
    rows = pa.concat_tables([r.rows for r in results])
    findings = pa.concat_tables([r.findings for r in results])
    reports = {r["row"]: (r, result) for res in results for r, result in res.reports}
    where = {int(v): k for k, v in enumerate(rows.column("row").to_pylist())}
    chunks = defaultdict(list)
    for index, pos, site in todo:
        chunks[index].append((pos, site.row if site.row is not None else pos + 1))
    for index in sorted(chunks):
        numbers = [row for _, row in sorted(chunks[index])]
        pos_of = pa.array(numbers, pa.int64())
        mine = findings.filter(pc.is_in(findings.column("row"), value_set=pos_of))
        rank = pc.index_in(mine.column("row"), value_set=pos_of)
        mine = mine.take(pc.sort_indices(pa.table({"k": rank}), sort_keys=[("k", "ascending")]))
        finish(ChunkResult(index, rows.take([where[r] for r in numbers]), mine,
                           [reports[r] for r in numbers if r in reports]))
