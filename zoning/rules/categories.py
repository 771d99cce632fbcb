"""The project categories and the exact matching of codes, Chinese names and synonyms."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .. import values
from ..errors import CategoryError, InputError, RuleSetError
from ..messages import error


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str
    covers: str = ""
    covers_zh: str = ""
    synonyms: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return f"{self.name} {self.code}"


def _key(text: str) -> str:
    """Spelling-blind key: full-width folded (NFKC), case-folded, '_' and '-' as spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return " ".join(re.sub(r"[_\-\u2010-\u2015]", " ", text).split())


_JOINERS = re.compile(r"[与和及、，,；;/]")


def _derived(c: Category) -> set[str]:
    """Spellings the rule file's own name implies: the name without its joiners (科研监测巡护) and each of its
    parts (科研监测, 巡护). The scope text (covers_zh) is not mined: its phrases (违法建筑清理, 重建) would
    match projects of another kind, and a wrong category is a wrong verdict."""
    words = {_JOINERS.sub("", c.name)}
    words.update(_JOINERS.split(c.name))
    return {w.strip() for w in words if len(w.strip()) >= 2}


class Categories:
    """Lookup of categories by code, Chinese name or synonym; exact after trim and case-fold."""

    def __init__(self, items: list[Category], version: str):
        self.items = items
        self.version = version
        self.by_code = {c.code: c for c in items}
        self._index: dict[str, Category] = {}
        for c in items:
            for word in (c.code, c.name, c.name_en, *c.synonyms):
                k = _key(word)
                if not k:
                    continue
                other = self._index.get(k)
                if other is not None and other.code != c.code:
                    raise RuleSetError(error("synonym_twice", word=word, first=other.code, second=c.code),
                                       source="categories.toml")
                self._index[k] = c
        claims: dict[str, set] = {}      # implied spellings count only where one category implies them
        for c in items:
            for word in _derived(c):
                claims.setdefault(_key(word), set()).add(c.code)
        for k, codes in claims.items():
            if k not in self._index and len(codes) == 1:
                self._index[k] = self.by_code[next(iter(codes))]

    @classmethod
    def from_dict(cls, data: dict) -> Categories:
        items = [Category(code=d["code"], name=d["name"], name_en=d.get("name_en", d["code"]),
                          covers=d.get("covers", ""), covers_zh=d.get("covers_zh", ""),
                          synonyms=tuple(d.get("synonyms", ())))
                 for d in data["categories"]]
        return cls(items, str(data.get("version", "")))

    def match(self, text: object, *, source: str | None = None, row: object = None,
              field: str | None = None) -> Category:
        """The category named by `text`, or a CategoryError listing the accepted codes."""
        found = self._index.get(_key(str(text))) if text is not None else None
        if found is None:
            raise CategoryError(error("unknown_category", text=text), source=source, row=row, field=field,
                                expected=error("unknown_category_expected", codes=", ".join(self.by_code)))
        return found

    def __iter__(self):
        return iter(self.items)


def resolve_category(catalogue, given, category=None, national_major=None, default_category=None):
    """(Category, national_major) from the command line, else from the site's own columns, else the default."""
    raw = category if category is not None else given.category
    if raw is None:
        raw = default_category
    if raw is None:
        raise InputError(error("no_category"), source=given.source, row=given.row, field="category",
                         expected="--category CODE (a list: a category column or --default-category); codes: "
                                  + ", ".join(catalogue.categories.by_code))
    cat = catalogue.categories.match(raw, source="--category" if category is not None else given.source,
                                     row=None if category is not None else given.row,
                                     field=None if category is not None else "category")
    if national_major is not None:
        return cat, values.flag(national_major, source="national_major")
    if given.national_major is None:
        return cat, False
    return cat, values.flag(given.national_major, source=given.source, row=given.row, field="national_major")
