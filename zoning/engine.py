"""The one engine: a batch of normalised sites through every layer of the manifest, to per-site verdicts.

`zoning check` runs it on a batch of one, `zoning screen` on chunks of a list; the maps and the web app
read its results. Nothing else overlays or judges.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .errors import LayerError, RuleSetError
from .layers import Manifest, load_layer
from .overlay.measure import measure
from .rules.evaluate import evaluate_layer, near_distance
from .verdict.decide import layer_status, overall
from .verdict.result import LayerReport


@dataclass
class Context:
    """What every batch of a run shares: the manifest, the rule catalogue and the application date."""
    manifest: Manifest
    catalogue: object
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

    def on_date(self, date: dt.date) -> "Context":
        """The same run on another application date, sharing the loaded layers."""
        return self.variant(date=date)

    def variant(self, *, date: dt.date | None = None, tolerance_m: float | None = None) -> "Context":
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


def run(batch, categories, majors, ctx: Context) -> list[SiteOutcome | None]:
    """Outcomes per row of `batch` (None for rows in error). `categories` are codes, `majors` booleans."""
    n = len(batch)
    ok = np.array([e is None for e in batch.errors], dtype=bool)
    findings = [[] for _ in range(n)]
    reports = [[] for _ in range(n)]
    warnings = [list(w) for w in batch.warnings]
    for spec in ctx.manifest.layers:
        layer, rs, error = ctx.layer(spec)
        status_on = rs.status_on(ctx.date) if rs else None
        if layer is None:
            for i in np.flatnonzero(ok):
                reports[i].append(LayerReport(id=spec.id, kind=spec.kind, rule_set=spec.rule_set, status="failed",
                                              version=spec.version, rule_set_status=status_on, error=error))
            continue
        in_force = status_on == "in_force"
        covered = np.zeros(n)
        if spec.is_raster:
            from .overlay.raster_stats import zonal_batch
            from .rules.evaluate import evaluate_raster
            for epsg in np.unique(batch.epsg[ok]):
                rows = np.flatnonzero(ok & (batch.epsg == epsg))
                for i, st in zip(rows, zonal_batch(layer, batch.projected[rows], int(epsg))):
                    covered[i] = st.covered_share
                    findings[i].extend(evaluate_raster(layer, st, categories[i], in_force))
        for epsg in (() if spec.is_raster else np.unique(batch.epsg[ok])):
            rows = np.flatnonzero(ok & (batch.epsg == epsg))
            indexed = layer.indexed(int(epsg))
            m = measure(batch.projected[rows], batch.area[rows], batch.perimeter[rows], indexed,
                        tolerance=batch.tolerance, near_m=near_distance(rs),
                        inner=lambda k, rows=rows: batch.inner(rows[k]))
            covered[rows] = m.covered
            sub = _Rows(batch, rows)
            per_site = evaluate_layer(indexed, m, sub, [categories[i] for i in rows], [majors[i] for i in rows],
                                      in_force)
            for k, fs in per_site.items():
                findings[rows[k]].extend(fs)
        for i in np.flatnonzero(ok):
            layer_findings = [f for f in findings[i] if f.layer == spec.id]
            reports[i].append(LayerReport(
                id=spec.id, kind=spec.kind, rule_set=spec.rule_set,
                status=layer_status(covered[i], layer_findings, in_force), version=layer.version,
                sha256=layer.sha256, rule_set_status=status_on, covered_share=float(covered[i]),
                coverage="raster extent (valid cells)" if spec.is_raster else layer.coverage_label,
                warnings=list(layer.warnings)))
    out: list[SiteOutcome | None] = [None] * n
    for i in np.flatnonzero(ok):
        bounded = [r for r in reports[i] if r.coverage not in (None, "unbounded") and r.covered_share is not None]
        if bounded and all(r.covered_share == 0 for r in bounded):
            warnings[i].append("the site lies outside the coverage of every bounded layer ("
                               + ", ".join(r.id for r in bounded) + "); check its coordinates and CRS")
        verdict, complete, reasons = overall(findings[i], reports[i])
        out[i] = SiteOutcome(verdict, complete, reasons, reports[i], findings[i], warnings[i])
    return out


class _Rows:
    """A view of some rows of a batch, indexed from 0, for the rule evaluation."""

    def __init__(self, batch, rows):
        self.projected = batch.projected[rows]
        self.area = batch.area[rows]
