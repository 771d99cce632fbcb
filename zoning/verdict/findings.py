"""The findings of a whole batch as columns: one row per finding, ordered by site, then as `check` lists them.

The rule evaluation adds blocks of findings (a block is many sites' findings of one kind, as arrays); the
verdict, the screening rows and the findings table are computed from the columns without a Python object per
finding. `check` turns the rows of its one site into `Finding` objects.
"""
from __future__ import annotations

import json

import numpy as np

from .result import FINDING_FIELDS as FIELDS
from .result import Finding
FLOATS = ("overlap_m2", "overlap_share", "distance_m")      # distance NaN = none
JSON = ("features", "corridor", "stats")                    # held as JSON text
DEFAULTS = {"overlap_m2": 0.0, "overlap_share": 0.0, "distance_m": np.nan, "verdict": None,
            "drives_verdict": False, "rule": None, "basis": "", "authority": "", "conditions": "",
            "conditions_en": "", "confidence": None, "features": "[]", "corridor": "[]", "note": "", "stats": "{}"}


def _column(value, n, name):
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value
    if isinstance(value, list):
        return np.array(value, dtype=object if name not in FLOATS and name != "drives_verdict" else None)
    if name in FLOATS:
        return np.full(n, np.nan if value is None else float(value))
    if name == "drives_verdict":
        return np.full(n, bool(value))
    out = np.empty(n, dtype=object)
    out[:] = [value] * n if n else []
    return out


class FindingsBuilder:
    """Collects blocks of findings; `build()` orders them by site, keeping the order blocks were added."""

    def __init__(self, n_sites: int):
        self.n = n_sites
        self.blocks: list = []

    def add(self, site, layer_index: int, **cols):
        site = np.asarray(site, dtype=np.int64)
        if len(site) == 0:
            return
        unknown = set(cols) - set(FIELDS)
        if unknown:
            raise TypeError(f"unknown finding fields {sorted(unknown)}")
        k = len(site)
        block = {"site": site, "layer_index": np.full(k, layer_index, dtype=np.int64)}
        for name in FIELDS:
            block[name] = _column(cols.get(name, DEFAULTS.get(name)), k, name)
        self.blocks.append(block)

    def build(self) -> Findings:
        if not self.blocks:
            return Findings.empty(self.n)
        cols = {name: np.concatenate([b[name] for b in self.blocks]) for name in self.blocks[0]}
        order = np.argsort(cols["site"], kind="stable")
        return Findings(self.n, {name: c[order] for name, c in cols.items()})


class Findings:
    """Columns `site`, `layer_index` and FIELDS, sorted by site; `span(i)` is the slice of site i."""

    def __init__(self, n_sites: int, cols: dict):
        self.n = n_sites
        self.cols = cols
        self.bounds = np.searchsorted(cols["site"], np.arange(n_sites + 1))

    @classmethod
    def empty(cls, n_sites: int) -> Findings:
        cols = {"site": np.array([], dtype=np.int64), "layer_index": np.array([], dtype=np.int64)}
        cols.update({name: _column(DEFAULTS.get(name), 0, name) for name in FIELDS})
        return cls(n_sites, cols)

    def __len__(self):
        return len(self.cols["site"])

    def __getitem__(self, name):
        return self.cols[name]

    def of_site(self, i: int) -> list[Finding]:
        """The findings of site i as `Finding` objects (what `check` returns)."""
        out = []
        for k in range(self.bounds[i], self.bounds[i + 1]):
            values = {name: self.cols[name][k] for name in FIELDS}
            for name in JSON:
                values[name] = json.loads(values[name])
            for name in FLOATS:
                values[name] = float(values[name])
            if np.isnan(values["distance_m"]):
                values["distance_m"] = None
            values["drives_verdict"] = bool(values["drives_verdict"])
            out.append(Finding(**values))
        return out
