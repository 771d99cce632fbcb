"""The result of one check: site, per-layer status, findings, verdict, and the versions used."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from ..units import areas


@dataclass
class Finding:
    layer: str
    rule_set: str
    type: str                      # overlap | boundary_contact | adjacency | nearest
    zone: str
    zone_name: str
    zone_name_en: str
    feature: str
    overlap_m2: float = 0.0
    overlap_share: float = 0.0
    distance_m: float | None = None
    verdict: str | None = None
    drives_verdict: bool = False
    rule: str | None = None
    basis: str = ""
    authority: str = ""
    conditions: str = ""
    conditions_en: str = ""
    confidence: str | None = None
    features: list = field(default_factory=list)
    corridor: list = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict:
        a = areas(self.overlap_m2)
        d = asdict(self)
        d.update(overlap_m2=a["m2"], overlap_ha=a["ha"], overlap_mu=a["mu"],
                 overlap_share=round(self.overlap_share, 6),
                 distance_m=None if self.distance_m is None else round(self.distance_m, 2))
        order = ["layer", "rule_set", "type", "zone", "zone_name", "zone_name_en", "feature", "overlap_m2",
                 "overlap_ha", "overlap_mu", "overlap_share", "distance_m", "verdict", "drives_verdict", "rule",
                 "basis", "authority", "conditions", "conditions_en", "confidence", "features", "corridor", "note"]
        return {k: d[k] for k in order}


@dataclass
class LayerReport:
    id: str
    kind: str
    rule_set: str
    status: str                    # hit | clear | not_checked | failed | not_in_force
    version: str | None = None
    sha256: str | None = None
    rule_set_status: str | None = None   # in_force | superseded | not_yet_in_force
    covered_share: float | None = None
    coverage: str | None = None
    error: str | None = None
    warnings: list = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.covered_share is not None:
            d["covered_share"] = round(self.covered_share, 6)
        return d


@dataclass
class CheckResult:
    verdict: str
    complete: bool
    date: str
    site: dict
    layers: list[LayerReport]
    findings: list[Finding]
    rule_sets: list[dict]
    tool_version: str
    analysis_crs: str
    tolerance_m: float
    manifest: dict
    warnings: list = field(default_factory=list)
    incomplete_reasons: list = field(default_factory=list)
    disclaimer: str = ""
    site_geometry: object = None     # the checked footprint, CGCS2000 lon/lat (for maps and exports)

    @property
    def driving(self) -> list[Finding]:
        return [f for f in self.findings if f.drives_verdict]

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict, "complete": self.complete, "incomplete_reasons": self.incomplete_reasons,
            "date": self.date, "site": self.site, "layers": [l.to_dict() for l in self.layers],
            "findings": [f.to_dict() for f in self.findings], "rule_sets": self.rule_sets,
            "tool_version": self.tool_version, "analysis_crs": self.analysis_crs, "tolerance_m": self.tolerance_m,
            "manifest": self.manifest, "warnings": self.warnings, "disclaimer": self.disclaimer,
        }

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)
