"""Raster rule sets: thresholds on a measure of the raster under the site (slope, land-cover classes)."""
from __future__ import annotations

import datetime as dt

from dataclasses import dataclass, field

import numpy as np

from ..errors import RuleSetError
from .ruleset import CONFIDENCE, VERDICTS, InForce
from .. import messages

MEASURES = ("slope", "landcover")


@dataclass(frozen=True)
class RasterRule:
    id: str
    categories: tuple[str, ...]
    verdict: str
    min_share: float
    threshold: float | None = None         # slope: degrees above which a cell counts
    classes: tuple[str, ...] = ()          # landcover: the class names that count
    basis: str = ""
    authority: str = ""
    conditions: str = ""
    conditions_en: str = ""
    confidence: str = "unverified"

    def applies(self, categories) -> np.ndarray:
        """Per category code: does this rule apply to it (named, or the rule names every category)?"""
        categories = np.asarray(categories, dtype=object)
        if "*" in self.categories:
            return np.ones(len(categories), dtype=bool)
        return np.isin(categories, self.categories)


@dataclass
class RasterRuleSet(InForce):
    id: str
    version: str
    kind: str
    measure: str
    title: str
    title_en: str
    rules: list
    classes: dict = field(default_factory=dict)        # raster value -> class name
    class_names: dict = field(default_factory=dict)    # class name -> label
    in_force_from: dt.date | None = None
    in_force_to: dt.date | None = None
    notes: str = ""
    sha256: str = ""
    zones: dict = field(default_factory=dict)          # none: findings name the measure instead
    exclusive_zones: bool = False
    adjacency: object = None
    default_min_width_m: float | None = None

    @classmethod
    def from_dict(cls, data: dict, *, sha256: str = "", source: str = "") -> RasterRuleSet:
        try:
            basis, authority = data.get("basis", ""), data.get("authority", "")
            rules = [RasterRule(id=r["id"], categories=tuple(r["categories"]), verdict=r["verdict"],
                                min_share=float(r["min_share"]), threshold=r.get("threshold"),
                                classes=tuple(r.get("classes", ())), basis=r.get("basis", basis),
                                authority=r.get("authority", authority), conditions=r.get("conditions", ""),
                                conditions_en=r.get("conditions_en", ""), confidence=r["confidence"])
                     for r in data["rules"]]
            rs = cls(id=data["id"], version=str(data["version"]), kind=data["kind"], measure=data["measure"],
                     title=data.get("title", ""), title_en=data.get("title_en", ""), rules=rules,
                     classes={int(k): v for k, v in data.get("classes", {}).items()},
                     class_names=dict(data.get("class_names", {})), in_force_from=data.get("in_force_from"),
                     in_force_to=data.get("in_force_to"), notes=data.get("notes", ""), sha256=sha256)
        except (KeyError, ValueError, TypeError) as exc:
            raise RuleSetError(messages.error("raster_ruleset_malformed", why=exc), source=source) from None
        if rs.measure not in MEASURES:
            raise RuleSetError(messages.error("raster_measure", measure=rs.measure), source=source,
                               expected=" | ".join(MEASURES))
        for r in rs.rules:
            if r.verdict not in VERDICTS or r.confidence not in CONFIDENCE:
                raise RuleSetError(messages.error("raster_rule_values", rule=r.id), source=source)
            if rs.measure == "slope" and r.threshold is None:
                raise RuleSetError(messages.error("raster_rule_threshold", rule=r.id), source=source)
            unknown = [c for c in r.classes if c not in rs.classes.values()]
            if unknown:
                raise RuleSetError(messages.error("raster_rule_classes", rule=r.id, classes=unknown), source=source)
        return rs

    def rules_for(self, category: str) -> list[RasterRule]:
        return [r for r in self.rules if r.applies([category])[0]]
