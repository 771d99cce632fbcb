"""The message catalogue: every word code asks for is there, Chinese first with English beside."""
from __future__ import annotations

import re

from conftest import REPO
from zoning.messages import catalogue, column_label, error, text, warning

CJK = re.compile(r"[\u4e00-\u9fff]")
CALLS = re.compile(r"\b(text|warning|error|note|said)\(\"([a-z_0-9]+)\"")
SECTION = {"text": "text", "warning": "warning", "error": "error", "note": "note", "said": "said"}


def test_every_key_used_in_code_is_in_the_catalogue():
    used = set()
    for path in (REPO / "zoning").rglob("*.py"):
        for kind, key in CALLS.findall(path.read_text(encoding="utf-8")):
            used.add((kind, key))
            assert key in catalogue()[SECTION[kind]], (path.name, kind, key)
    assert len(used) >= 30


def test_every_entry_is_chinese_first_with_english_beside():
    for name, words in catalogue().items():
        for key, value in words.items():
            if name in ("column", "layer"):          # labels: Chinese; the machine name is put beside them
                assert CJK.search(value), (name, key)
                continue
            if key == "none":
                continue
            # placeholders, option names and punctuation aside, the first word is Chinese
            words_only = re.sub(r"\{[^}]*\}|--[a-z-]+|[\s\d:.,'()<>%=/\-\[\]，：；（）、]+", "", value)
            words_only = re.sub(r"^[A-Z]{2,}", "", words_only)          # an acronym first (WKT 无效) is fine
            assert CJK.match(words_only), (name, key, value)
            assert re.search(r"[A-Za-z]{2,}", value), (name, key, value)


def test_fillings_and_labels():
    assert text("row", row=7) == "第 7 行 row 7"
    assert warning("crs_assumed").startswith("未给出坐标系") and "taken as CGCS2000" in warning("crs_assumed")
    assert "--overwrite" in error("output_exists_expected")
    assert column_label("verdict") == "结论 verdict"
    assert column_label("red_line_overlap_mu") == "生态保护红线重叠面积(亩) red_line_overlap_mu"
    assert column_label("my_layer_status") == "my_layer状态 my_layer_status"     # an office's own layer id
    assert column_label("unknown_thing") == "unknown_thing"


def test_every_module_of_the_package_imports():
    """Relative imports of the catalogue (and everything else) resolve in every module, however deep."""
    import importlib
    import pkgutil

    import zoning
    names = [m.name for m in pkgutil.walk_packages(zoning.__path__, "zoning.") if not m.name.endswith("__main__")]
    for name in names:
        importlib.import_module(name)
    assert len(names) > 100
