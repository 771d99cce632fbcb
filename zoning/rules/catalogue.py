"""Loading the shipped rule files (and optionally a user's) into one catalogue."""
from __future__ import annotations

import hashlib
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import RuleSetError
from .categories import Categories
from .raster_rules import RasterRuleSet
from .ruleset import RuleSet
from .. import messages

DATA = resources.files(__package__) / "data"


class Catalogue:
    """All categories and rule sets the engine knows."""

    def __init__(self, categories: Categories, rule_sets: dict[str, RuleSet | RasterRuleSet]):
        self.categories = categories
        self.rule_sets = rule_sets
        self.validate()

    def rule_set(self, rule_set_id: str) -> Any:
        """The rule set of that id: a RuleSet (zones) or a RasterRuleSet (thresholds), as the layer's kind needs."""
        try:
            return self.rule_sets[rule_set_id]
        except KeyError:
            raise RuleSetError(messages.error("unknown_rule_set", id=rule_set_id),
                               expected="one of " + ", ".join(self.rule_sets)) from None

    def validate(self) -> None:
        """Every zone x category resolves to a rule; every rule names known categories; ids are unique."""
        seen: dict[str, str] = {}
        codes = set(self.categories.by_code)
        for rs in self.rule_sets.values():
            if isinstance(rs, RasterRuleSet):
                for rule in rs.rules:
                    unknown = [c for c in rule.categories if c != "*" and c not in codes]
                    if unknown:
                        raise RuleSetError(messages.error("rule_unknown_categories", rule=rule.id, categories=unknown),
                                           source=rs.id)
                continue
            for rule in rs.rules:
                if rule.id in seen:
                    raise RuleSetError(messages.error("rule_id_twice", rule=rule.id, first=seen[rule.id], second=rs.id))
                seen[rule.id] = rs.id
                unknown = [c for c in rule.categories if c != "*" and c not in codes]
                if unknown:
                    raise RuleSetError(messages.error("rule_unknown_categories", rule=rule.id, categories=unknown),
                                       source=rs.id)
            for zone in rs.zones:
                for code in codes:
                    rs.rule_for(zone, code, False)


def _read(path) -> tuple[dict, str]:
    raw = path.read_bytes()
    try:
        return tomllib.loads(raw.decode("utf-8")), hashlib.sha256(raw).hexdigest()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RuleSetError(messages.error("rule_file_not_toml", why=exc), source=str(path)) from None


@lru_cache(maxsize=8)
def load_catalogue(extra_dir: str | None = None) -> Catalogue:
    """The shipped rule files, plus any `*.toml` rule sets in `extra_dir` (which override by id)."""
    cats, _ = _read(DATA / "categories.toml")
    files = sorted((p for p in DATA.iterdir() if p.name.endswith(".toml") and p.name != "categories.toml"),
                   key=lambda p: p.name)
    if extra_dir:
        files += sorted(Path(extra_dir).glob("*.toml"))
    rule_sets: dict[str, RuleSet | RasterRuleSet] = {}
    for path in files:
        data, digest = _read(path)
        rs: RuleSet | RasterRuleSet
        if data.get("kind") == "raster_constraint":
            rs = RasterRuleSet.from_dict(data, sha256=digest, source=str(path))
        else:
            rs = RuleSet.from_dict(data, sha256=digest, source=str(path))
        rule_sets[rs.id] = rs
    return Catalogue(Categories.from_dict(cats), rule_sets)
