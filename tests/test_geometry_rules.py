"""Each geometry rule of admission-rules.md on hand-built layers with exact expected areas."""
from __future__ import annotations

import pytest
from shapely.geometry import Polygon, box

import zoning
from conftest import GK, X0, Y0, sq, write_layer, write_manifest

TODAY = "2026-11-21"


def run(manifest, geom, category, date=TODAY, **kw):
    return zoning.check(geom, category=category, layers=manifest, crs=GK, date=date, **kw)


def by(result, layer, kind=None):
    return [f for f in result.findings if f.layer == layer and (kind is None or f.type == kind)]


def status(result, layer):
    return next(lr for lr in result.layers if lr.id == layer).status


def test_areas_exact_in_m2_ha_mu(tiny):
    # 200 x 100 m site, half in the core zone, half in the integrated zone
    r = run(tiny, sq(900, 100, 200, 100), "commercial")
    d = r.to_dict()
    assert d["site"]["area_m2"] == pytest.approx(20000.0, abs=0.01)
    assert d["site"]["area_ha"] == pytest.approx(2.0)
    assert d["site"]["area_mu"] == pytest.approx(30.0)
    core = next(f for f in d["findings"] if f["zone"] == "core")
    assert core["overlap_m2"] == pytest.approx(10000.0, abs=0.01)
    assert core["overlap_ha"] == pytest.approx(1.0)
    assert core["overlap_mu"] == pytest.approx(15.0)
    assert core["overlap_share"] == pytest.approx(0.5)
    assert core["verdict"] == "prohibited" and core["drives_verdict"]
    integ = next(f for f in d["findings"] if f["zone"] == "integrated")
    assert integ["verdict"] == "conditional"
    assert d["verdict"] == "prohibited"          # worst level over driving findings


def test_union_per_zone_no_double_counting(tiny):
    # core features A [0,600] and B [400,1000] overlap in [400,600]; a site [300,700]x[100,200] touches both
    r = run(tiny, sq(300, 100, 400, 100), "eco_restoration")
    core = [f for f in by(r, "green_heart_2024") if f.zone == "core"]
    assert len(core) == 1
    assert core[0].overlap_m2 == pytest.approx(40000.0, abs=0.01)   # not 60000 (A 30000 + B 30000)
    assert set(core[0].feature.split("、")) == {"核心A", "核心B"}


@pytest.mark.parametrize("offset,drives", [(0.3, False), (0.49, False), (0.6, True), (5.0, True)])
def test_boundary_tolerance(tiny, offset, drives):
    # a site east of the core zone reaching `offset` metres into it
    r = run(tiny, sq(1000 - offset, 100, 100, 100), "industrial")
    core = next(f for f in by(r, "green_heart_2024") if f.zone == "core")
    assert core.overlap_m2 == pytest.approx(offset * 100, rel=1e-6)
    assert core.drives_verdict is drives
    assert core.type == ("overlap" if drives else "boundary_contact")


def test_boundary_tolerance_is_configurable(tiny):
    r = run(tiny, sq(998, 100, 100, 100), "commercial", tolerance_m=3.0)
    core = next(f for f in by(r, "green_heart_2024") if f.zone == "core")
    assert core.type == "boundary_contact" and not core.drives_verdict
    assert r.verdict == "conditional"             # only the integrated zone drives


def test_clear_site_lists_nearest_zone_with_distance(tiny):
    # 100 m east of the integrated zone's east edge (x = 2000), south of the corridor
    r = run(tiny, sq(2100, 500, 50, 50), "industrial")
    assert status(r, "green_heart_2024") == "clear"
    near = by(r, "green_heart_2024", "nearest")
    assert len(near) == 1 and near[0].zone == "integrated"
    assert near[0].distance_m == pytest.approx(100.0, abs=1e-6)
    assert r.verdict == "permitted" and r.complete


def test_coverage_outside_is_not_checked_never_clear(tiny):
    # 10 km away: outside the red line and corridor coverage; green heart layers are unbounded
    r = run(tiny, sq(10_000, 10_000, 100), "industrial")
    assert status(r, "red_line") == "not_checked"
    assert status(r, "corridors") == "not_checked"
    assert status(r, "green_heart_2024") == "clear"
    assert not r.complete
    assert any("red_line" in reason for reason in r.incomplete_reasons)


def test_partial_coverage_is_not_checked_and_incomplete(tiny):
    # straddles the coverage edge at x = 4000
    r = run(tiny, sq(3950, 500, 100, 100), "industrial")
    rl = next(lr for lr in r.layers if lr.id == "red_line")
    assert rl.status == "not_checked"
    assert rl.covered_share == pytest.approx(0.5, rel=1e-3)
    assert not r.complete


def test_application_date_selects_rule_sets(tiny):
    site = sq(100, 100, 100)                 # in the 2013 prohibited zone and the 2024 core zone
    old = run(tiny, site, "tourism_leisure", date="2020-06-01")
    assert status(old, "green_heart_2013") == "hit"
    assert status(old, "green_heart_2024") == "not_in_force"
    assert status(old, "red_line") == "not_in_force"   # 自然资发〔2022〕142号 from 2022-08-16
    assert old.verdict == "prohibited"       # 2013: tourism prohibited in 禁止开发区
    new = run(tiny, site, "tourism_leisure", date=TODAY)
    assert status(new, "green_heart_2013") == "not_in_force"
    assert new.verdict == "conditional"      # 2024 core zone: conditional (draft)
    gh13 = by(new, "green_heart_2013", "overlap")[0]
    assert gh13.verdict == "prohibited" and not gh13.drives_verdict
    drafts = [f for f in new.findings if f.drives_verdict and f.confidence == "draft"]
    assert drafts, "the 2024 core-zone tourism cell is a draft-only cell and must say so"
    # the red line is not yet in force before 2022-08-16
    early = run(tiny, sq(50, 2050, 20), "industrial", date="2021-01-01")
    assert status(early, "red_line") == "not_in_force"
    assert early.verdict == "permitted"


def test_nested_red_line_core_worst_level(tiny):
    r = run(tiny, sq(120, 2120, 20), "agriculture_forestry")
    zones = {f.zone: f.verdict for f in by(r, "red_line", "overlap")}
    assert zones == {"red_line": "conditional", "nature_reserve_core": "prohibited"}
    assert r.verdict == "prohibited"


def test_national_major_rule_takes_precedence(tiny):
    r = run(tiny, sq(300, 2300, 50), "industrial", national_major=True)
    f = by(r, "red_line", "overlap")[0]
    assert f.verdict == "conditional"
    assert "不可避让" in f.conditions
    plain = run(tiny, sq(300, 2300, 50), "industrial")
    assert by(plain, "red_line", "overlap")[0].verdict == "prohibited"


def road(x, width=30.0, y0=2950.0, y1=3250.0):
    """A north-south road polygon crossing the 200 m wide corridor [3000, 3200]."""
    return sq(x, y0 - 0, width, y1 - y0)


def test_corridor_severance_linear_stays_conditional(tiny):
    r = run(tiny, road(1500), "linear_infrastructure")
    f = by(r, "corridors", "overlap")[0]
    assert f.corridor and f.corridor[0]["severs"] is True
    assert f.corridor[0]["residual_width_m"] == 0.0
    assert f.verdict == "conditional"
    assert "wildlife" in f.conditions_en.lower() or "生物通道" in f.conditions


def test_corridor_severance_tourism_is_prohibited(tiny):
    r = run(tiny, road(1500), "tourism_leisure")
    f = by(r, "corridors", "overlap")[0]
    assert f.corridor[0]["severs"] is True
    assert f.verdict == "prohibited"
    # a small bite at the belt's edge leaves 180 m: neither severs nor narrows, so conditional
    small = run(tiny, sq(1500, 3000, 20, 20), "tourism_leisure")
    g = by(small, "corridors", "overlap")[0]
    assert g.corridor[0]["severs"] is False and g.corridor[0]["narrows_below_min_width"] is False
    assert g.verdict == "conditional"


@pytest.mark.parametrize("depth,narrows", [(60.0, False), (95.0, False), (130.0, True), (160.0, True)])
def test_corridor_residual_width(tiny, depth, narrows):
    # a 50 m wide bite from the south edge, `depth` metres into the 200 m belt (min width 100 m)
    r = run(tiny, sq(1500, 3000 - 10, 50, depth + 10), "heritage_landscape")
    f = by(r, "corridors", "overlap")[0]
    eff = f.corridor[0]
    assert eff["severs"] is False
    assert eff["narrows_below_min_width"] is narrows
    assert f.verdict == ("prohibited" if narrows else "conditional")
    if narrows:
        assert eff["residual_width_m"] == pytest.approx(200 - depth, abs=2.0)


def test_interior_hole_leaving_two_narrow_strips_narrows(tiny):
    # a hole in the middle of the 200 m belt leaves 80 m on each side: each strip is below the 100 m minimum
    r = run(tiny, sq(1500, 3080, 20, 40), "tourism_leisure")
    eff = by(r, "corridors", "overlap")[0].corridor[0]
    assert eff["severs"] is False and eff["narrows_below_min_width"] is True


def test_permitted_categories_are_not_tested_for_severance(tiny):
    r = run(tiny, road(1500), "eco_restoration")
    f = by(r, "corridors", "overlap")[0]
    assert f.verdict == "permitted" and f.corridor == []


def test_corridor_adjacency_within_50m(tiny):
    r = run(tiny, sq(1500, 2900, 50, 70), "commercial")     # north edge at 2970: 30 m from the belt
    adj = by(r, "corridors", "adjacency")
    assert len(adj) == 1 and adj[0].distance_m == pytest.approx(30.0)
    assert not adj[0].drives_verdict and adj[0].rule == "COR2018-ADJ"
    far = run(tiny, sq(1500, 2800, 50, 70), "commercial")    # 130 m away
    assert by(far, "corridors", "adjacency") == []
    assert by(far, "corridors", "nearest")[0].distance_m == pytest.approx(130.0)


def test_invalid_site_repaired_with_area_change_warning(tiny):
    bowtie = Polygon([(X0 + 1200, Y0 + 100), (X0 + 1400, Y0 + 300), (X0 + 1400, Y0 + 100), (X0 + 1200, Y0 + 300)])
    r = run(tiny, bowtie, "commercial")
    assert r.site["area_m2"] == pytest.approx(20000.0, abs=0.01)   # two 100 m triangles of 10 000 m²
    warn = [w for w in r.warnings if "make_valid" in w]
    assert warn and "Self-intersection" in warn[0] and "m²" in warn[0]


def test_failed_layer_is_failed_never_clear(tmp_path):
    write_layer(tmp_path, "gh24", [{"分区": "核心保护区", "geometry": sq(0, 0, 1000)}])
    manifest = write_manifest(tmp_path, [
        dict(id="green_heart_2024", kind="green_heart", rule_set="green_heart_2024", path="gh24.gpkg",
             zone_field="分区", coverage="unbounded"),
        dict(id="red_line", kind="red_line", rule_set="red_line_2022", path="missing.gpkg"),
    ])
    r = run(manifest, sq(5000, 5000, 10), "commercial")
    rl = next(lr for lr in r.layers if lr.id == "red_line")
    assert rl.status == "failed" and "not found" in rl.error
    assert not r.complete and r.verdict == "permitted"


def test_point_and_line_footprints(tiny):
    from shapely.geometry import LineString, Point
    p = run(tiny, Point(X0 + 500, Y0 + 500), "commercial", radius_m=10)
    assert p.site["area_m2"] == pytest.approx(314.16, rel=0.01)
    assert "10 m" in p.site["footprint"]
    line = run(tiny, LineString([(X0 + 1500, Y0 + 2900), (X0 + 1500, Y0 + 3300)]), "linear_infrastructure",
               width_m=20)
    assert line.site["area_m2"] == pytest.approx(8000.0, rel=1e-6)
    assert by(line, "corridors", "overlap")[0].corridor[0]["severs"] is True


def test_result_names_versions_and_hashes(tiny):
    d = run(tiny, sq(100, 100, 100), "eco_restoration").to_dict()
    for key in ("verdict", "complete", "date", "site", "layers", "findings", "rule_sets", "tool_version"):
        assert key in d
    assert len(d["site"]["geometry_sha256"]) == 64
    assert {lr["id"]: lr["version"] for lr in d["layers"]} == {
        "green_heart_2024": "t1", "green_heart_2013": "t1", "red_line": "t1", "corridors": "t1"}
    assert all(len(lr["sha256"]) == 64 for lr in d["layers"])
    assert {x["id"] for x in d["rule_sets"]} == {"green_heart_2024", "green_heart_2013", "red_line_2022",
                                                  "corridor_2018"}
    f = next(f for f in d["findings"] if f["type"] == "overlap")
    for key in ("layer", "zone", "zone_name", "feature", "overlap_m2", "overlap_ha", "overlap_mu", "overlap_share",
                "distance_m", "verdict", "drives_verdict", "rule", "basis", "authority", "conditions", "confidence"):
        assert key in f


def test_date_and_tolerance_apply_with_a_shared_context(tiny):
    from zoning.api import make_context
    ctx = make_context(layers=tiny, date=TODAY)
    site = sq(998, 100, 100, 100)                                    # 2 m into the core zone
    assert zoning.check(site, category="commercial", crs=GK, context=ctx).verdict == "prohibited"
    wide = zoning.check(site, category="commercial", crs=GK, context=ctx, tolerance_m=3.0)
    assert wide.tolerance_m == 3.0 and wide.verdict == "conditional"  # the 2 m strip is now a boundary contact
    old = zoning.check(sq(100, 100, 100), category="tourism_leisure", crs=GK, context=ctx, date="2020-06-01")
    assert old.date == "2020-06-01" and old.verdict == "prohibited"
    assert ctx.date.isoformat() == TODAY and ctx.tolerance_m == 0.5  # the shared context itself is unchanged


def test_severance_decided_near_the_site_equals_the_whole_corridor():
    """`assess` decides most severance tests on a clip around the site; its answer must equal removing the site
    from the whole corridor: a ring with a hole (cut once: not severed), a U bend, a corridor in two parts,
    strips across, boxes inside, tips and sites swallowing a whole fragment."""
    import numpy as np
    import shapely
    from shapely.geometry import box
    from zoning.overlay.corridor import _parts, assess

    ring = box(0, 0, 3000, 3000).difference(box(400, 400, 2600, 2600))
    bend = shapely.union_all([box(0, 0, 300, 3000), box(0, 2700, 3000, 3000), box(2700, 0, 3000, 3000)])
    two = shapely.union_all([box(0, 0, 3000, 300), box(0, 1000, 200, 1200)])
    rng = np.random.default_rng(7)
    seen = {True: 0, False: 0}
    for corridor in (ring, bend, two):
        x0, y0, x1, y1 = corridor.bounds
        for _ in range(150):
            cx, cy = rng.uniform(x0 - 200, x1 + 200), rng.uniform(y0 - 200, y1 + 200)
            w, h = rng.choice([rng.uniform(20, 120), rng.uniform(300, 700)], 2)
            site = box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if not site.intersects(corridor):
                continue
            effect = assess(corridor, site, 100.0, residual=False)
            whole = _parts(shapely.difference(corridor, site))
            assert effect.parts_after == whole and effect.severs == (whole > _parts(corridor))
            seen[effect.severs] += 1
    assert seen[True] > 10 and seen[False] > 50
    # a site that cuts the ring once and swallows an islet beside it: one part fewer, and still not severed
    with_islet = shapely.union_all([ring, box(1400, 450, 1440, 490)])
    effect = assess(with_islet, box(1380, -50, 1460, 500), 100.0, residual=False)
    assert (effect.parts_before, effect.parts_after, effect.severs) == (2, 1, False)


def test_narrowing_with_the_exact_clip_equals_the_fast_clip(monkeypatch):
    """The narrowing test clips the corridor's erosion to the site's window with the fast clip, and with an exact
    intersection when the fast clip is not valid: both give the same effects (residual width included)."""
    import numpy as np
    import shapely
    from shapely.geometry import box
    from zoning.overlay import corridor as C

    bend = shapely.union_all([box(0, 0, 300, 3000), box(0, 2700, 3000, 3000), box(2700, 0, 3000, 3000)])
    rng = np.random.default_rng(11)
    sites = [box(x, y, x + w, y + w) for x, y, w in zip(rng.uniform(-100, 250, 40), rng.uniform(0, 2900, 40),
                                                           rng.uniform(30, 200, 40), strict=False)]
    fast = [C.assess(bend, s, 250.0, erosions=C.Erosions(bend)) for s in sites]
    monkeypatch.setattr(C.shapely, "is_valid", lambda g: False)
    exact = [C.assess(bend, s, 250.0, erosions=C.Erosions(bend)) for s in sites]
    assert [e.to_dict() for e in fast] == [e.to_dict() for e in exact]
    assert sum(e.narrows for e in fast) >= 5 and sum(not e.narrows for e in fast) >= 5


@pytest.mark.parametrize("left,min_width", [(150.0, 200.0), (412.3, 1000.0), (37.5, 100.0)])
def test_residual_width_to_its_printed_precision(left, min_width):
    """A straight corridor 10 km long and `min_width` + 300 m wide; a site bites in from one edge and leaves
    `left` metres: the printed residual width is exactly that, to 0.1 m."""
    from zoning.overlay.corridor import assess
    wide = min_width + 300.0
    corridor = box(0, 0, 10_000, wide)
    site = box(4900, -20, 5100, wide - left)
    effect = assess(corridor, site, min_width)
    assert effect.narrows and not effect.severs
    assert effect.to_dict()["residual_width_m"] == left
    assert abs(effect.residual_width_m - left) < 0.05
