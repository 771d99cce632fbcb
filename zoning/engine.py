"""The one engine: a batch of normalised sites through every layer of the manifest, to per-site verdicts.

`zoning check` runs it on a batch of one, `zoning screen` on chunks of a list; the maps and the web app
read its results. Nothing else overlays or judges.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np

from . import values
from .errors import LayerError, RuleSetError
from .layers import Manifest, load_manifest
from .rules.catalogue import Catalogue
from .overlay.prepared import load_layer
from .overlay.measure import measure
from .verdict.evaluate import evaluate_layer, evaluate_raster, near_distance
from .verdict.decide import incomplete_reasons, layer_status, worst_per_site
from .verdict.findings import Findings, FindingsBuilder
from .verdict.result import LayerReport


@dataclass
class Context:
    """What every batch of a run shares: the manifest, the rule catalogue and the application date."""
    manifest: Manifest
    catalogue: Catalogue
    date: dt.date
    tolerance_m: float = 0.5
    _loaded: dict = field(default_factory=dict, repr=False)

    def layer(self, spec):
        """(LoadedLayer or None, rule set or None, error text or None), loaded once per run."""
        if spec.id not in self._loaded:
            try:
                rs = self.catalogue.rule_set(spec.rule_set)
            except RuleSetError as exc:
                self._loaded[spec.id] = (None, None, str(exc))
                return self._loaded[spec.id]
            try:
                if rs.kind != spec.kind:
                    raise LayerError(f"rule set {rs.id} judges '{rs.kind}' layers, not '{spec.kind}'",
                                     source=f"layer '{spec.id}'")
                if spec.is_raster:
                    from .layers.raster import load_raster
                    self._loaded[spec.id] = (load_raster(spec, rs), rs, None)
                else:
                    self._loaded[spec.id] = (load_layer(spec, rs), rs, None)
            except (LayerError, RuleSetError) as exc:
                self._loaded[spec.id] = (None, rs, str(exc))
        return self._loaded[spec.id]

    def on_date(self, date: dt.date) -> Context:
        """The same run on another application date, sharing the loaded layers."""
        return self.variant(date=date)

    def variant(self, *, date: dt.date | None = None, tolerance_m: float | None = None) -> Context:
        """The same run with another date and/or tolerance, sharing the loaded layers."""
        date = self.date if date is None else date
        tolerance_m = self.tolerance_m if tolerance_m is None else tolerance_m
        if date == self.date and tolerance_m == self.tolerance_m:
            return self
        return Context(self.manifest, self.catalogue, date, tolerance_m, self._loaded)

    def rule_sets(self) -> list:
        sets = {}
        for spec in self.manifest.layers:
            _, rs, _ = self.layer(spec)
            if rs is not None:
                sets[rs.id] = rs
        return list(sets.values())


@dataclass
class SiteOutcome:
    verdict: str
    complete: bool
    reasons: list
    layers: list          # LayerReport per manifest layer
    findings: list        # Finding
    warnings: list


@dataclass
class BatchOutcome:
    """Verdicts of a batch as arrays; rows in error have `ok` False. `site(i)` is one row as `check` sees it."""
    ok: np.ndarray
    verdict: np.ndarray            # per site
    complete: np.ndarray
    reasons: list                  # per site: why incomplete
    warnings: list                 # per site
    layers: list                   # LayerReport per manifest layer, without status and covered share
    status: np.ndarray             # (sites, layers)
    covered: np.ndarray            # (sites, layers); NaN for a layer that failed
    findings: Findings

    def site(self, i: int) -> SiteOutcome | None:
        if not self.ok[i]:
            return None
        reports = [replace(info, status=str(self.status[i, k]), warnings=list(info.warnings),
                           covered_share=None if np.isnan(self.covered[i, k]) else float(self.covered[i, k]))
                   for k, info in enumerate(self.layers)]
        return SiteOutcome(str(self.verdict[i]), bool(self.complete[i]), list(self.reasons[i]), reports,
                           self.findings.of_site(i), list(self.warnings[i]))


def run(batch, categories, majors, ctx: Context, informational: bool = True) -> BatchOutcome:
    """Verdicts for every row of `batch`. `categories` are codes, `majors` booleans, per row.

    `informational=False` skips what only informs and never drives a verdict (nearest zone, adjacency, raster
    statistics, corridor residual width and tests that cannot change the verdict, texts of features): verdicts,
    statuses, overlaps and driving rules are the same."""
    n = len(batch)
    ok = np.array([e is None for e in batch.errors], dtype=bool)
    categories = np.array([c if c is not None else "" for c in categories], dtype=object)
    majors = np.array([bool(m) for m in majors], dtype=bool)
    layers = list(ctx.manifest.layers)
    out = FindingsBuilder(n)
    status = np.empty((n, len(layers)), dtype=object)
    covered = np.full((n, len(layers)), np.nan)
    infos = []
    shared: dict = {}            # cells under the sites, shared by rasters on one grid (zonal_batch keys them)
    for k, spec in enumerate(layers):
        layer, rs, error = ctx.layer(spec)
        status_on = rs.status_on(ctx.date) if rs else None
        epsgs = [int(e) for e in np.unique(batch.epsg[ok])]
        if layer is not None and not spec.is_raster:
            try:                 # a layer whose parts fail their check is failed, never used
                for epsg in epsgs:
                    layer.store(epsg)
            except LayerError as exc:
                layer, error = None, str(exc)
        if layer is None:
            infos.append(LayerReport(id=spec.id, kind=spec.kind, rule_set=spec.rule_set, status="failed",
                                     version=spec.version, rule_set_status=status_on, error=error))
            status[:, k] = "failed"
            continue
        infos.append(LayerReport(id=spec.id, kind=spec.kind, rule_set=spec.rule_set, status="", version=layer.version,
                                 sha256=layer.sha256, rule_set_status=status_on,
                                 coverage="raster extent (valid cells)" if spec.is_raster else layer.coverage_label,
                                 warnings=list(layer.warnings)))
        in_force = status_on == "in_force"
        for epsg in epsgs:
            rows = np.flatnonzero(ok & (batch.epsg == epsg))
            if spec.is_raster:
                from .overlay.raster_stats import oversized_note, zonal_batch
                st = zonal_batch(layer, batch.projected[rows], int(epsg), shared)
                covered[rows, k] = st.covered_share
                for i in rows[st.oversized]:
                    batch.warnings[i].append(oversized_note(spec.id, layer))
                evaluate_raster(layer, st, rows, categories[rows], in_force, out, k, informational)
                continue
            near_m = near_distance(rs) if informational else 0.0
            try:
                sites = batch.projected[rows]     # one array: the window's nearest bounds are kept against it
                indexed = layer.window(epsg, sites, grow=max(batch.tolerance, near_m) + 1.0, nearest=informational)
            except LayerError as exc:      # its store was broken and could not be rebuilt
                infos[-1] = replace(infos[-1], status="failed", error=str(exc))
                status[:, k], covered[:, k] = "failed", np.nan
                break
            m = measure(sites, batch.area[rows], batch.perimeter[rows], indexed,
                        tolerance=batch.tolerance, near_m=near_m,
                        inner=lambda j, rows=rows: batch.inner(rows[j]), nearest=informational)
            covered[rows, k] = m.covered
            evaluate_layer(indexed, m, batch.projected[rows], batch.area[rows], rows, categories[rows],
                           majors[rows], in_force, out, k, informational)
    findings = out.build()
    driving = findings["drives_verdict"]
    for k, info in enumerate(infos):
        if info.status == "failed":
            continue
        in_force = info.rule_set_status == "in_force"
        hit = np.zeros(n, dtype=bool)
        hit[findings["site"][driving & (findings["layer_index"] == k)]] = True
        status[:, k] = layer_status(covered[:, k], hit, in_force)
    warnings = [list(w) for w in batch.warnings]
    bounded = [k for k, info in enumerate(infos) if info.coverage not in (None, "unbounded")
               and info.status != "failed"]
    if bounded:
        outside = ok & np.all(covered[:, bounded] == 0, axis=1)
        note = ("the site lies outside the coverage of every bounded layer ("
                + ", ".join(infos[k].id for k in bounded) + "); check its coordinates and CRS")
        for i in np.flatnonzero(outside):
            warnings[i].append(note)
    verdict = worst_per_site(findings, n)
    reasons = incomplete_reasons(infos, status, covered)
    complete = np.array([not r for r in reasons], dtype=bool)
    verdict[~ok] = None
    status[~ok] = None
    return BatchOutcome(ok, verdict, complete & ok, reasons, warnings, infos, status, covered, findings)


def make_context(*, layers=None, date=None, tolerance_m=0.5, catalogue=None) -> Context:
    """A run's context: the manifest (a path, a Manifest, or the default), the rule files, the application date
    (today when none) and the boundary tolerance."""
    from .rules import load_catalogue
    catalogue = catalogue or load_catalogue()
    manifest = layers if isinstance(layers, Manifest) else load_manifest(layers)
    return Context(manifest=manifest, catalogue=catalogue, date=values.application_date(date),
                   tolerance_m=values.tolerance(tolerance_m))
