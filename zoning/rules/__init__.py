"""Admission rules as data: rule files in `data/`, loaded and looked up here, never hard-coded."""
from .catalogue import Catalogue, load_catalogue
from .categories import Category
from .ruleset import Rule, RuleSet, Zone

__all__ = ["Catalogue", "Category", "Rule", "RuleSet", "Zone", "load_catalogue"]
