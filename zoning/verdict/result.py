"""The result of one check: site, per-layer status, findings, verdict, and the versions used."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields

from ..units import areas, rnd


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
    stats: dict = field(default_factory=dict)      # raster findings: slope or land-cover statistics

    def to_dict(self) -> dict:
        a = areas(self.overlap_m2)
        return {"layer": self.layer, "rule_set": self.rule_set, "type": self.type, "zone": self.zone,
                "zone_name": self.zone_name, "zone_name_en": self.zone_name_en, "feature": self.feature,
                "overlap_m2": a["m2"], "overlap_ha": a["ha"], "overlap_mu": a["mu"],
                "overlap_share": rnd(self.overlap_share, 6),
                "distance_m": None if self.distance_m is None else rnd(self.distance_m, 2),
                "verdict": self.verdict, "drives_verdict": self.drives_verdict, "rule": self.rule,
                "basis": self.basis, "authority": self.authority, "conditions": self.conditions,
                "conditions_en": self.conditions_en, "confidence": self.confidence,
                "features": [dict(x) for x in self.features], "corridor": [dict(x) for x in self.corridor],
                "note": self.note, "stats": dict(self.stats)}

    @classmethod
    def from_dict(cls, d: dict) -> Finding:
        """A Finding from its JSON (the areas in 公顷 and 亩 are derived, not fields)."""
        return cls(**{k: v for k, v in d.items() if k in FINDING_FIELDS})


# The one definition of a finding's fields is the dataclass; its JSON (and every findings table) is `to_dict`'s
FINDING_FIELDS = tuple(f.name for f in fields(Finding))
FINDING_JSON = tuple(Finding("", "", "", "", "", "", "").to_dict())


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
        return {"id": self.id, "kind": self.kind, "rule_set": self.rule_set, "status": self.status,
                "version": self.version, "sha256": self.sha256, "rule_set_status": self.rule_set_status,
                "covered_share": None if self.covered_share is None else round(self.covered_share, 6),
                "coverage": self.coverage, "error": self.error, "warnings": list(self.warnings)}


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
    suggestion: dict | None = None   # `check --suggest`: the nearest acceptable translated footprint

    @property
    def driving(self) -> list[Finding]:
        return [f for f in self.findings if f.drives_verdict]

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict, "complete": self.complete, "incomplete_reasons": self.incomplete_reasons,
            "date": self.date, "site": self.site, "layers": [lr.to_dict() for lr in self.layers],
            "findings": [f.to_dict() for f in self.findings], "rule_sets": self.rule_sets,
            "tool_version": self.tool_version, "analysis_crs": self.analysis_crs, "tolerance_m": self.tolerance_m,
            "manifest": self.manifest, "warnings": self.warnings, "disclaimer": self.disclaimer,
            **({"suggestion": {k: v for k, v in self.suggestion.items() if k != "check"}} if self.suggestion else {}),
        }

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)
