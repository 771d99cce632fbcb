"""One rule set: its zones, period in force, and the rule for each zone x category."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..errors import RuleSetError
from .. import messages

VERDICTS = ("prohibited", "conditional", "permitted")  # worst first
CONFIDENCE = ("official", "news", "secondary", "draft", "unverified")
WILDCARD = "*"


def verdict_rank(verdicts, missing: int) -> np.ndarray:
    """Each verdict's index in VERDICTS (0 = worst); `missing` for no verdict."""
    index = {v: k for k, v in enumerate(VERDICTS)}
    return np.array([index.get(v, missing) for v in verdicts], dtype=np.int64)


@dataclass(frozen=True)
class Zone:
    code: str
    name: str
    name_en: str
    aliases: tuple[str, ...] = ()
    within: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} {self.name_en}"


@dataclass(frozen=True)
class Rule:
    id: str
    zone: str
    categories: tuple[str, ...]
    verdict: str
    basis: str
    authority: str
    conditions: str
    conditions_en: str
    confidence: str
    national_major: bool = False
    geometry_checks: tuple[str, ...] = ()
    on_geometry_fail: str | None = None
    geometry_fail_conditions: str = ""
    geometry_fail_conditions_en: str = ""


@dataclass(frozen=True)
class Adjacency:
    distance_m: float
    rule: str
    basis: str
    conditions: str
    conditions_en: str
    confidence: str


class InForce:
    """What every rule set (vector zones or raster thresholds) shares: its period in force."""
    in_force_from: dt.date | None
    in_force_to: dt.date | None

    def status_on(self, date: dt.date) -> str:
        """`in_force`, `not_yet_in_force` or `superseded` on the application date."""
        if self.in_force_from and date < self.in_force_from:
            return "not_yet_in_force"
        if self.in_force_to and date > self.in_force_to:
            return "superseded"
        return "in_force"

    def period(self) -> str:
        start = self.in_force_from.isoformat() if self.in_force_from else "…"
        end = self.in_force_to.isoformat() if self.in_force_to else "…"
        return f"{start} – {end}"


@dataclass
class RuleSet(InForce):
    id: str
    version: str
    kind: str
    title: str
    title_en: str
    in_force_from: dt.date | None
    in_force_to: dt.date | None
    zones: dict[str, Zone]
    rules: list[Rule]
    exclusive_zones: bool = False
    superseded_by: str | None = None
    notes: str = ""
    default_min_width_m: float | None = None
    adjacency: Adjacency | None = None
    sha256: str = ""
    _lookup: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: dict, *, sha256: str = "", source: str = "") -> RuleSet:
        try:
            zones = {z["code"]: Zone(code=z["code"], name=z["name"], name_en=z.get("name_en", z["code"]),
                                     aliases=tuple(z.get("aliases", ())), within=z.get("within"))
                     for z in data["zones"]}
            default_basis, default_auth = data.get("basis", ""), data.get("authority", "")
            rules = [Rule(id=r["id"], zone=r["zone"], categories=tuple(r["categories"]), verdict=r["verdict"],
                          basis=r.get("basis", default_basis), authority=r.get("authority", default_auth),
                          conditions=r.get("conditions", ""), conditions_en=r.get("conditions_en", ""),
                          confidence=r["confidence"], national_major=bool(r.get("national_major", False)),
                          geometry_checks=tuple(r.get("geometry_checks", ())),
                          on_geometry_fail=r.get("on_geometry_fail"),
                          geometry_fail_conditions=r.get("geometry_fail_conditions", ""),
                          geometry_fail_conditions_en=r.get("geometry_fail_conditions_en", ""))
                     for r in data["rules"]]
            adj = data.get("adjacency")
            adjacency = None if adj is None else Adjacency(
                distance_m=float(adj["distance_m"]), rule=adj["rule"], basis=adj.get("basis", default_basis),
                conditions=adj.get("conditions", ""), conditions_en=adj.get("conditions_en", ""),
                confidence=adj.get("confidence", "secondary"))
            rs = cls(id=data["id"], version=str(data["version"]), kind=data["kind"], title=data.get("title", ""),
                     title_en=data.get("title_en", ""), in_force_from=data.get("in_force_from"),
                     in_force_to=data.get("in_force_to"), zones=zones, rules=rules,
                     exclusive_zones=bool(data.get("exclusive_zones", False)),
                     superseded_by=data.get("superseded_by"), notes=data.get("notes", ""),
                     default_min_width_m=data.get("default_min_width_m"), adjacency=adjacency, sha256=sha256)
        except KeyError as exc:
            raise RuleSetError(messages.error("ruleset_missing_key", name=exc), source=source) from None
        for r in rs.rules:
            if r.zone not in rs.zones:
                raise RuleSetError(messages.error("rule_unknown_zone", rule=r.id, zone=r.zone), source=source)
            if r.verdict not in VERDICTS or (r.on_geometry_fail and r.on_geometry_fail not in VERDICTS):
                raise RuleSetError(messages.error("rule_verdict", rule=r.id, verdict=r.verdict), source=source,
                                   expected=" | ".join(VERDICTS))
            if r.confidence not in CONFIDENCE:
                raise RuleSetError(messages.error("rule_confidence", rule=r.id, confidence=r.confidence), source=source,
                                   expected=" | ".join(CONFIDENCE))
            for cat in r.categories:
                rs._lookup.setdefault((r.zone, cat, r.national_major), r)
        return rs

    def rule_for(self, zone: str, category: str, national_major: bool = False) -> Rule:
        """The one rule for zone x category: a national-major rule first when flagged, then exact, then `*`."""
        keys = [(zone, category, True), (zone, WILDCARD, True)] if national_major else []
        keys += [(zone, category, False), (zone, WILDCARD, False)]
        for key in keys:
            rule = self._lookup.get(key)
            if rule is not None:
                return rule
        raise RuleSetError(messages.error("no_rule", zone=zone, category=category), source=self.id)

    def zone_for_value(self, raw: object) -> str | None:
        """Zone code for a raw attribute value that is a zone code, Chinese name or alias."""
        text = str(raw).strip()
        for z in self.zones.values():
            if text in (z.code, z.name, z.name_en, *z.aliases):
                return z.code
        return None
