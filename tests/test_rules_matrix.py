"""Every cell of admission-rules.md, typed here independently, against what the shipped rule files resolve to."""
from __future__ import annotations

import pytest

from zoning.errors import CategoryError
from zoning.rules import load_catalogue

P, C, OK = "prohibited", "conditional", "permitted"
ALL = ["eco_restoration", "heritage_landscape", "public_facility", "villager_housing", "land_consolidation",
       "village_town", "tourism_leisure", "linear_infrastructure", "utility_facility", "research_monitoring",
       "agriculture_forestry", "military_defense", "industrial", "polluting_industry", "mining_quarrying",
       "waste_disposal", "real_estate", "commercial", "energy_plant"]


def row(default, **cells):
    out = {c: default for c in ALL}
    for verdict, cats in cells.items():
        for c in cats.split():
            out[c] = {"P": P, "C": C, "OK": OK}[verdict]
    return out


EXPECTED = {
    ("red_line_2022", "red_line"): row(P, C="research_monitoring military_defense agriculture_forestry "
                                             "villager_housing heritage_landscape tourism_leisure public_facility "
                                             "linear_infrastructure utility_facility eco_restoration"),
    ("red_line_2022", "nature_reserve_core"): row(P, C="research_monitoring military_defense eco_restoration"),
    ("green_heart_2013", "prohibited"): row(P, C="eco_restoration heritage_landscape public_facility "
                                                 "research_monitoring linear_infrastructure utility_facility "
                                                 "villager_housing"),
    ("green_heart_2013", "restricted"): row(P, C="eco_restoration heritage_landscape public_facility "
                                                 "research_monitoring linear_infrastructure utility_facility "
                                                 "villager_housing land_consolidation village_town tourism_leisure"),
    ("green_heart_2013", "controlled"): row(C, P="industrial polluting_industry mining_quarrying waste_disposal"),
    ("green_heart_2024", "core"): row(P, C="eco_restoration research_monitoring agriculture_forestry village_town "
                                           "land_consolidation public_facility tourism_leisure villager_housing "
                                           "heritage_landscape linear_infrastructure utility_facility"),
    ("green_heart_2024", "integrated"): row(C, P="industrial polluting_industry mining_quarrying waste_disposal"),
    ("corridor_2018", "corridor"): row(P, OK="eco_restoration research_monitoring agriculture_forestry",
                                       C="tourism_leisure heritage_landscape linear_infrastructure utility_facility"),
}
DRAFT_2024_CORE = [
    "land_consolidation",
    "public_facility",
    "tourism_leisure",
    "villager_housing",
    "heritage_landscape",
    "linear_infrastructure",
    "utility_facility",
]


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


@pytest.mark.parametrize("rule_set,zone", sorted(EXPECTED))
def test_every_cell_matches_the_reference_matrix(cat, rule_set, zone):
    rs = cat.rule_set(rule_set)
    got = {c: rs.rule_for(zone, c, False).verdict for c in ALL}
    assert got == EXPECTED[(rule_set, zone)]


def test_rule_sets_cover_exactly_the_reference_zones(cat):
    zones = {(rs.id, z) for rs in cat.rule_sets.values() for z in rs.zones}
    assert zones == set(EXPECTED)


@pytest.mark.parametrize("zone", ["red_line", "nature_reserve_core"])
def test_red_line_national_major(cat, zone):
    rs = cat.rule_set("red_line_2022")
    for c in ALL:
        r = rs.rule_for(zone, c, True)
        assert r.national_major and r.verdict == C
        assert "国务院" in r.authority or "State Council" in r.authority


def test_2024_core_draft_cells_are_marked_draft(cat):
    rs = cat.rule_set("green_heart_2024")
    for c in DRAFT_2024_CORE:
        r = rs.rule_for("core", c, False)
        assert r.confidence == "draft", c
        assert "草案" in r.conditions or "draft" in r.conditions_en.lower()


def test_every_rule_has_basis_and_conditional_rules_name_an_authority(cat):
    for rs in cat.rule_sets.values():
        for r in rs.rules:
            assert r.basis.strip(), r.id
            if r.verdict == C:
                assert r.authority.strip(), r.id


def test_2013_conditional_cells_need_the_drc_opinion_except_housing(cat):
    rs = cat.rule_set("green_heart_2013")
    for zone in rs.zones:
        for c in ALL:
            r = rs.rule_for(zone, c, False)
            if r.verdict != C:
                continue
            if c == "villager_housing":
                assert "准入意见书" not in r.conditions or "不需" in r.conditions, r.id
            else:
                assert "准入意见书" in r.conditions and "不需" not in r.conditions, r.id


def test_corridor_geometry_escalation(cat):
    rs = cat.rule_set("corridor_2018")
    for c in ("tourism_leisure", "heritage_landscape"):
        r = rs.rule_for("corridor", c)
        assert set(r.geometry_checks) == {"severance", "residual_width"} and r.on_geometry_fail == P
    for c in ("linear_infrastructure", "utility_facility"):
        r = rs.rule_for("corridor", c)
        assert set(r.geometry_checks) == {"severance", "residual_width"} and r.on_geometry_fail == C
    for c in ("eco_restoration", "research_monitoring", "agriculture_forestry"):
        assert rs.rule_for("corridor", c).geometry_checks == ()
    assert rs.adjacency.distance_m == 50
    assert rs.default_min_width_m == 100


def test_periods_in_force(cat):
    import datetime as d
    gh13, gh24 = cat.rule_set("green_heart_2013"), cat.rule_set("green_heart_2024")
    assert gh13.status_on(d.date(2024, 8, 31)) == "in_force"
    assert gh13.status_on(d.date(2024, 9, 1)) == "superseded"
    assert gh24.status_on(d.date(2024, 8, 31)) == "not_yet_in_force"
    assert gh24.status_on(d.date(2024, 9, 1)) == "in_force"
    assert cat.rule_set("red_line_2022").status_on(d.date(2022, 8, 15)) == "not_yet_in_force"
    assert cat.rule_set("red_line_2022").status_on(d.date(2022, 8, 16)) == "in_force"


@pytest.mark.parametrize("text,code", [("工业", "industrial"), ("工业项目", "industrial"), ("厂房", "industrial"),
                                       ("房地产", "real_estate"), ("公路", "linear_infrastructure"),
                                       ("景区", "tourism_leisure"), (" INDUSTRIAL ", "industrial"),
                                       ("生态建设与修复", "eco_restoration")])
def test_category_synonyms(cat, text, code):
    assert cat.categories.match(text).code == code


def test_unknown_category_lists_the_codes(cat):
    with pytest.raises(CategoryError) as err:
        cat.categories.match("工业园区扩建二期")
    assert "工业园区扩建二期" in str(err.value)
    for code in ALL:
        assert code in str(err.value)


def test_nineteen_categories(cat):
    assert [c.code for c in cat.categories] == ALL or sorted(c.code for c in cat.categories) == sorted(ALL)
