#!/usr/bin/env python
"""Build the sample projects for the ILLUSTRATIVE demo layers.

演示数据，仅供示意。  The sites are invented; each one is placed relative to
the GENERATED demo layers (build_demo_layers.py) so that it lands where its
`intent` says: inside a zone, across a boundary, 20 m from a corridor, etc.
Every placement is verified here, and the expected verdict is recomputed from
the admission matrix in /work/shared/domain/admission-rules.md for the
application date 2026-11-21 (rule sets in force: red_line_2022,
green_heart_2024, corridor_2018; green_heart_2013 is superseded).

Writes
    seeds/sample_projects.gpkg   table projects (EPSG:4490)
    seeds/sites/<slug>.geojson   one RFC 7946 FeatureCollection per project

Run:  python seeds/build_samples.py [--layers DIR] [--out DIR] [--quiet]
(the layers must have been built first: python seeds/build_demo_layers.py)
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # keep seeds/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_demo_layers as b  # noqa: E402  (also pins OGR_CURRENT_DATE)

import geopandas as gpd  # noqa: E402
import shapely  # noqa: E402
import shapely.affinity  # noqa: E402
from shapely.geometry import LineString, Point, Polygon  # noqa: E402

SEEDS = Path(__file__).resolve().parent
SEED = b.SEED + 7
APPLICATION_DATE = "2026-11-21"
TOLERANCE = 0.5   # boundary tolerance (m), admission-rules.md default
DECIMALS = 7      # lon/lat decimals written (~1 cm)
LEVEL = {"permitted": 0, "conditional": 1, "prohibited": 2}

# ----------------------------------------------------------- admission matrix (subset used here)
# admission-rules.md, rule sets in force on 2026-11-21.
RED_LINE = {
    "red_line": {
        "research_monitoring": "conditional", "military_defense": "conditional",
        "agriculture_forestry": "conditional", "villager_housing": "conditional",
        "heritage_landscape": "conditional", "tourism_leisure": "conditional",
        "public_facility": "conditional", "linear_infrastructure": "conditional",
        "utility_facility": "conditional", "eco_restoration": "conditional",
    },
    "nature_reserve_core": {
        "research_monitoring": "conditional", "military_defense": "conditional",
        "eco_restoration": "conditional",
    },
}
GREEN_HEART_2024 = {
    "core": {c: "conditional" for c in (
        "eco_restoration", "research_monitoring", "agriculture_forestry", "village_town",
        "land_consolidation", "public_facility", "tourism_leisure", "villager_housing",
        "heritage_landscape", "linear_infrastructure", "utility_facility")},
    "integrated": {c: "conditional" for c in (
        "eco_restoration", "research_monitoring", "agriculture_forestry", "village_town",
        "land_consolidation", "public_facility", "tourism_leisure", "villager_housing",
        "heritage_landscape", "linear_infrastructure", "utility_facility", "real_estate",
        "commercial", "energy_plant", "military_defense")},
}
CORRIDOR = {c: "permitted" for c in ("eco_restoration", "research_monitoring", "agriculture_forestry")}
CORRIDOR.update({c: "conditional" for c in ("tourism_leisure", "heritage_landscape",
                                             "linear_infrastructure", "utility_facility")})
CATEGORIES = [
    "eco_restoration", "heritage_landscape", "public_facility", "villager_housing", "land_consolidation",
    "village_town", "tourism_leisure", "linear_infrastructure", "utility_facility", "research_monitoring",
    "agriculture_forestry", "military_defense", "industrial", "polluting_industry", "mining_quarrying",
    "waste_disposal", "real_estate", "commercial", "energy_plant",
]
ZONE_2013 = {"禁止开发区": "prohibited", "限制开发区": "restricted", "控制建设区": "controlled"}
ZONE_2024 = {"核心保护区": "core", "融合发展区": "integrated"}
ZONE_RL = {"生态保护红线": "red_line", "自然保护地核心保护区": "nature_reserve_core"}


# ====================================================================== layers
class Layers:
    def __init__(self, folder: Path):
        def read(fname, table):
            return gpd.read_file(folder / fname, layer=table, engine="pyogrio").to_crs(b.CRS_WORK)

        self.gh13 = read("green_heart_2013.gpkg", "green_heart_2013")
        self.gh24 = read("green_heart_2024.gpkg", "green_heart_2024")
        self.red = read("red_line.gpkg", "red_line")
        self.corr = read("corridors.gpkg", "corridors")
        self.cov = shapely.union_all(list(read("coverage_demo.gpkg", "coverage").geometry))

        def u(gdf, field, value):
            g = shapely.union_all(list(gdf[gdf[field] == value].geometry))
            shapely.prepare(g)
            return g

        self.z13 = {ZONE_2013[k]: u(self.gh13, "分区", k) for k in ZONE_2013}
        self.z24 = {ZONE_2024[k]: u(self.gh24, "分区", k) for k in ZONE_2024}
        self.zrl = {ZONE_RL[k]: u(self.red, "红线类型", k) for k in ZONE_RL}
        self.outline = shapely.union_all(list(self.gh24.geometry))
        shapely.prepare(self.outline)
        self.core, self.integ = self.z24["core"], self.z24["integrated"]
        self.redline, self.reserve = self.zrl["red_line"], self.zrl["nature_reserve_core"]
        self.corridors = {r["名称"]: (r.geometry, int(r["最小宽度"])) for _, r in self.corr.iterrows()}
        self.all_corr = shapely.union_all([g for g, _ in self.corridors.values()])
        shapely.prepare(self.all_corr)
        for g, _ in self.corridors.values():
            shapely.prepare(g)

    def patch(self, name):
        row = self.red[self.red["名称"] == f"{name}生态保护红线"]
        assert len(row) == 1, name
        g = row.geometry.iloc[0]
        shapely.prepare(g)
        return g

    def corridor(self, prefix):
        for name, (g, w) in self.corridors.items():
            if name.startswith(prefix):
                return name, g, w
        raise KeyError(prefix)


# ====================================================================== footprints (EPSG:4547)
def parcel(rng, c, area_m2, n=None, rough=0.28, elong=1.4, angle=None):
    """An irregular land parcel (straight edges, 7-12 corners)."""
    n = n or int(rng.integers(7, 13))
    th = np.sort(rng.uniform(0, 2 * np.pi, n))
    r = 1.0 + rough * rng.uniform(-1, 1, n)
    angle = rng.uniform(0, 180) if angle is None else angle
    pts = np.column_stack([elong * r * np.cos(th), r * np.sin(th)])
    p = Polygon(pts)
    p = shapely.affinity.rotate(p, angle, origin=(0, 0))
    p = shapely.affinity.translate(p, c[0], c[1])
    return b.scale_to_area(p, area_m2, (c[0], c[1]))


def l_shape(c, w, h, arm_w, arm_h, angle):
    """An L-shaped footprint: a w x h block plus an arm along its lower edge."""
    pts = [(0, 0), (w + arm_w, 0), (w + arm_w, arm_h), (w, arm_h), (w, h), (0, h)]
    p = Polygon([(x - w / 2, y - h / 2) for x, y in pts])
    p = shapely.affinity.rotate(p, angle, origin=(0, 0))
    return shapely.affinity.translate(p, c[0], c[1])


def strip(points, width, join="round"):
    return LineString(points).buffer(width / 2, cap_style="flat", join_style=join, quad_segs=4)


def spiral(anchor, step, radius):
    """Grid points around anchor, nearest first (deterministic order)."""
    n = int(radius // step)
    ij = np.arange(-n, n + 1)
    dx, dy = np.meshgrid(ij * step, ij * step)
    dx, dy = dx.ravel(), dy.ravel()
    d = np.hypot(dx, dy)
    keep = d <= radius
    dx, dy, d = dx[keep], dy[keep], d[keep]
    ang = np.round(np.arctan2(dy, dx), 9)
    order = np.lexsort((ang, d))
    return [(anchor[0] + dx[k], anchor[1] + dy[k]) for k in order]


def search(anchor_ll, make, ok, step=120.0, radius=15000.0, what=""):
    a = b.to_work(*anchor_ll)
    for c in spiral(a, step, radius):
        site = make(c)
        if site is not None and ok(site):
            return site
    raise RuntimeError(f"no placement found for {what}")


# ---------------------------------------------------------------- predicates
def inside(geom, region, margin=0.0):
    return region.contains(geom.buffer(margin) if margin else geom)


def clear_of(geom, region, margin):
    return geom.distance(region) > margin


# ====================================================================== evaluation
def overlap_findings(site, zones: dict):
    """{zone: (overlap m2, contact_only)} for the zones the site touches."""
    shrunk = site.buffer(-TOLERANCE)
    out = {}
    for z, g in zones.items():
        if not site.intersects(g):
            continue
        a = shapely.intersection(site, g).area
        contact = shrunk.is_empty or shapely.intersection(shrunk, g).area == 0
        out[z] = (a, contact)
    return out


def severs_or_narrows(site, corridor, min_width):
    rest = shapely.difference(corridor, site)
    parts = len(b.polygons_of(rest))
    if parts > len(b.polygons_of(corridor)):
        return "severs"
    before = len(b.polygons_of(shapely.buffer(corridor, -min_width / 2)))
    after = len(b.polygons_of(shapely.buffer(rest, -min_width / 2)))
    if after > before:
        return "narrows"
    return ""


def evaluate(L: Layers, site, category, national_major):
    """Verdict per in-force rule set and overall, plus a description of the hits."""
    site = b.clean(site)  # repair (the bowtie)
    res = {}
    notes = []
    # red line
    if not site.intersects(L.cov):
        res["red_line_2022"] = "not_checked"
    else:
        lv = "permitted"
        for z, (a, contact) in overlap_findings(site, L.zrl).items():
            cell = RED_LINE[z].get(category, "prohibited")
            if national_major:
                cell = "conditional"
            notes.append(f"RL:{z} {a:.0f} m2 {100 * a / site.area:.1f}%{' (contact)' if contact else ''} -> {cell}")
            if not contact and LEVEL[cell] > LEVEL[lv]:
                lv = cell
        res["red_line_2022"] = lv
    # green heart 2024 (unbounded coverage)
    lv = "permitted"
    for z, (a, contact) in overlap_findings(site, L.z24).items():
        cell = GREEN_HEART_2024[z].get(category, "prohibited")
        notes.append(f"GH24:{z} {a:.0f} m2 {100 * a / site.area:.1f}%{' (contact)' if contact else ''} -> {cell}")
        if not contact and LEVEL[cell] > LEVEL[lv]:
            lv = cell
    res["green_heart_2024"] = lv
    # corridors
    if not site.intersects(L.cov):
        res["corridor_2018"] = "not_checked"
    else:
        lv = "permitted"
        for name, (g, w) in L.corridors.items():
            if not site.intersects(g):
                d = site.distance(g)
                if d <= 50:
                    notes.append(f"CO:{name[:6]} adjacent {d:.1f} m")
                continue
            a = shapely.intersection(site, g).area
            contact = shapely.intersection(site.buffer(-TOLERANCE), g).area == 0
            cell = CORRIDOR.get(category, "prohibited")
            extra = ""
            if cell == "conditional" and not contact:
                sev = severs_or_narrows(site, g, w)
                if sev:
                    extra = f" {sev}"
                    if category not in ("linear_infrastructure", "utility_facility"):
                        cell = "prohibited"
            notes.append(
                f"CO:{name[:6]} {a:.0f} m2 {100 * a / site.area:.1f}%{' (contact)' if contact else ''}{extra} -> {cell}"
            )
            if not contact and LEVEL[cell] > LEVEL[lv]:
                lv = cell
        res["corridor_2018"] = lv
    if any(v == "not_checked" for v in res.values()):
        overall = "incomplete"
    else:
        overall = max(res.values(), key=lambda v: LEVEL[v])
    return overall, res, notes


def describe_2013(L, site):
    site = b.clean(site)
    parts = []
    for z, g in L.z13.items():
        a = shapely.intersection(site, g).area
        if a > 0:
            parts.append(f"{z} {100 * a / site.area:.1f}%")
    return ", ".join(parts) or "-"


# ====================================================================== the samples
def build_sites(L: Layers):
    """Returns a list of dicts with the properties and the geometry (EPSG:4547)."""
    S = []

    def add(pid, slug, zh, en, category, national_major, intent, expected, geom):
        assert category in CATEGORIES, category
        S.append(dict(编号=pid, slug=slug, 项目名称=zh, name_en=en, category=category,
                      national_major=int(national_major), intent=intent, expected=expected, geom=geom))

    def free(site, red=150, corr=150):
        return clear_of(site, L.redline, red) and clear_of(site, L.all_corr, corr)

    # P01 hotel in the core zone near Zhaoshan
    g = search((112.975, 27.960), lambda c: l_shape(c, 160, 110, 120, 60, 25),
               lambda s: inside(s, L.core, 80) and free(s), what="P01")
    add("P01", "zhaoshan_hotel", "昭山山麓度假酒店", "Zhaoshan foothill resort hotel", "commercial", 0,
        "hotel inside the 2024 core zone near Zhaoshan, clear of red line and corridors -> core: commercial prohibited",
        "prohibited", g)

    # P02 industrial park in the core zone
    r2 = np.random.default_rng([SEED, 2])
    g = search((113.030, 27.935), lambda c: parcel(r2, c, 24e4, n=9, angle=35),
               lambda s: inside(s, L.core, 100) and free(s, 300, 300), what="P02")
    add("P02", "core_industrial_park", "九郎山工业园扩区", "Jiulangshan industrial park extension", "industrial", 0,
        "industrial park inside the 2024 core zone -> prohibited", "prohibited", g)

    # P03 monitoring station wholly inside the nature-reserve core
    r3 = np.random.default_rng([SEED, 3])
    nr = L.reserve
    g = search(tuple(b.geom_to_geo(nr.centroid).coords[0]), lambda c: parcel(r3, c, 6e3, n=6, rough=0.15),
               lambda s: inside(s, nr, 60), step=50, what="P03")
    add("P03", "shiyanhu_monitoring_station", "石燕湖自然保护地生态监测站",
        "Shiyan Lake nature-reserve ecological monitoring station", "research_monitoring", 0,
        "monitoring station fully inside the nature-reserve core (and the red line, the 2024 core zone) -> "
        "research entry: conditional", "conditional", g)

    # P04 campsite straddling the 2013 prohibited / restricted boundary
    r4 = np.random.default_rng([SEED, 4])
    shape4 = parcel(r4, (0, 0), 8e4, n=10, angle=70)

    def straddles(s):
        if not (inside(s, L.outline, 50) and free(s, 200, 200)):
            return False
        a = s.area
        pp = shapely.intersection(s, L.z13["prohibited"]).area / a
        rr = shapely.intersection(s, L.z13["restricted"]).area / a
        return pp > 0.35 and rr > 0.35 and pp + rr > 0.999

    g = search((113.095, 28.000), lambda c: shapely.affinity.translate(shape4, *c), straddles, what="P04")
    add("P04", "tiaoma_campsite", "跳马森林露营地", "Tiaoma forest campsite", "tourism_leisure", 0,
        "campsite straddling the 2013 prohibited/restricted boundary (legacy layer, superseded on "
        "2026-11-21: its prohibited half must not drive the verdict) -> 2024 zones: tourism conditional",
        "conditional", g)

    # P05 site in the integrated zone that only touches the core zone (0.15 m sliver)
    r5 = np.random.default_rng([SEED, 5])
    shape5 = parcel(r5, (0, 0), 1.6e4, n=8, rough=0.2, angle=10)

    def touching(c):
        s = shapely.affinity.translate(shape5, *c)
        local = shapely.intersection(L.core, shapely.box(c[0] - 600, c[1] - 600, c[0] + 600, c[1] + 600))
        if local.is_empty:
            return None
        site = shapely.difference(s, local.buffer(-0.15))
        parts = b.polygons_of(site)
        if len(parts) != 1:
            return None
        return parts[0]

    def touch_ok(s):
        if s.area < 0.6 * 1.6e4 or len(s.interiors) or not inside(s, L.outline, 30) or not free(s, 300, 200):
            return False
        ov = shapely.intersection(s, L.core).area
        shared = shapely.intersection(s.boundary.buffer(0.3), L.core.boundary).length
        return 0 < ov < 0.2 * 200 and shared > 60 and shapely.intersection(s.buffer(-TOLERANCE), L.core).area == 0

    core_edge_anchor = (113.020, 28.040)
    g = search(core_edge_anchor, touching, touch_ok, step=60, what="P05")
    add("P05", "tongsheng_housing_touch", "同升商品住宅地块", "Tongsheng commercial housing plot", "real_estate", 0,
        "housing plot in the integrated zone whose edge lies 0.15 m inside the core zone (boundary contact, "
        "must not drive the verdict) -> integrated: real_estate conditional", "conditional", g)

    # P06 fire station 20 m from the north-south forest belt
    name6, corr6, _ = L.corridor("易俗河-法华山")
    r6 = np.random.default_rng([SEED, 6])
    shape6 = parcel(r6, (0, 0), 9e3, n=7, rough=0.2, angle=0)
    grown = corr6.buffer(20.0)

    def near(c):
        s = shapely.affinity.translate(shape6, *c)
        s = shapely.difference(s, grown)
        parts = b.polygons_of(s)
        return parts[0] if len(parts) == 1 and not parts[0].interiors else None

    def near_ok(s):
        d = s.distance(corr6)
        return (s.area > 0.6 * 9e3 and 19.5 < d < 20.5 and inside(s, L.integ, 30)
                and clear_of(s, L.redline, 300)
                and all(s.distance(g) > 200 for n, (g, _) in L.corridors.items() if n != name6))

    g = search((113.095, 27.945), near, near_ok, step=60, what="P06")
    add("P06", "fahuashan_fire_station", "法华山森林消防站", "Fahuashan forest fire station", "public_facility", 0,
        "fire station in the integrated zone 20 m from the north-south forest belt, not overlapping it "
        "(adjacency information only) -> integrated: conditional", "conditional", g)

    # P07 township service centre in the integrated zone, far from red lines
    r7 = np.random.default_rng([SEED, 7])
    shape7 = parcel(r7, (0, 0), 4e4, n=9, angle=15)
    g = search((113.170, 28.055), lambda c: shapely.affinity.translate(shape7, *c),
               lambda s: inside(s, L.integ, 100) and clear_of(s, L.redline, 2000) and clear_of(s, L.all_corr, 300),
               what="P07")
    add("P07", "baijia_service_centre", "柏加镇村镇公共服务中心", "Baijia township public service centre",
        "village_town", 0,
        "township service centre fully inside the integrated zone, > 2 km from any red line, clear of "
        "corridors -> integrated: conditional", "conditional", g)

    # P08 pavilion restoration in the Yuelu Mountain red line (outside the green heart)
    yl = L.patch("岳麓山")
    r8 = np.random.default_rng([SEED, 8])
    shape8 = parcel(r8, (0, 0), 5.5e3, n=6, rough=0.15)
    g = search(tuple(b.geom_to_geo(yl.centroid).coords[0]), lambda c: shapely.affinity.translate(shape8, *c),
               lambda s: inside(s, yl, 100), step=60, what="P08")
    add("P08", "yuelushan_pavilion", "岳麓山古亭修缮", "Yuelu Mountain historic pavilion restoration",
        "heritage_landscape", 0,
        "heritage restoration inside the Yuelu Mountain red-line patch, outside the green heart -> red line: "
        "limited activity 3, conditional", "conditional", g)

    # P09 national major project inside a red-line patch (Liuyang, outside the green heart)
    ly = L.patch("浏阳东部山地（大围山方向）")
    r9 = np.random.default_rng([SEED, 9])
    shape9 = parcel(r9, (0, 0), 38e4, n=11, angle=120)
    g = search(tuple(b.geom_to_geo(ly.centroid).coords[0]), lambda c: shapely.affinity.translate(shape9, *c),
               lambda s: inside(s, ly, 150), step=100, what="P09")
    add("P09", "liuyang_pumped_storage", "浏阳抽水蓄能电站上水库", "Liuyang pumped-storage plant upper reservoir",
        "energy_plant", 1,
        "national major project (energy plant) inside a red-line patch outside the green heart -> "
        "red line: national_major conditional (State Council approval)", "conditional", g)

    # P10 villager housing in the core zone
    r10 = np.random.default_rng([SEED, 10])
    shape10 = parcel(r10, (0, 0), 5.2e3, n=6, rough=0.15, angle=40)
    g = search((113.000, 27.965), lambda c: shapely.affinity.translate(shape10, *c),
               lambda s: inside(s, L.core, 50) and free(s, 200, 200), what="P10")
    add("P10", "zhaoshan_villager_housing", "昭山村民自建住房（宅基地）", "Zhaoshan villagers' homestead housing",
        "villager_housing", 0,
        "villager housing inside the 2024 core zone, clear of red line and corridors -> core: conditional "
        "(confidence draft)", "conditional", g)

    # P11 eco restoration in the core zone, partly in the north-south forest belt
    name11, corr11, _ = L.corridor("易俗河-法华山")
    r11 = np.random.default_rng([SEED, 11])
    shape11 = parcel(r11, (0, 0), 30e4, n=10, angle=80)

    def ok11(s):
        a = shapely.intersection(s, corr11).area / s.area
        return inside(s, L.core, 50) and clear_of(s, L.redline, 200) and 0.2 < a < 0.6 and \
            all(not s.intersects(g) for n, (g, _) in L.corridors.items() if n != name11)

    g = search((113.100, 27.955), lambda c: shapely.affinity.translate(shape11, *c), ok11, what="P11")
    add("P11", "jiulangshan_mine_restoration", "九郎山废弃矿山生态修复", "Jiulangshan abandoned-mine restoration",
        "eco_restoration", 0,
        "ecological restoration in the 2024 core zone, partly inside the north-south forest belt "
        "(restoration is permitted in a corridor) -> core: conditional", "conditional", g)

    # P12 tourism trail cutting across the whole width of the east-west forest belt
    name12, corr12, w12 = L.corridor("坪塘-昭山")

    def trail(c):
        p = Point(c)
        if not corr12.contains(p) or p.distance(corr12.exterior) < 0.45 * w12:
            return None
        q = shapely.line_interpolate_point(corr12.exterior, corr12.exterior.project(p))
        u = np.array([q.x - p.x, q.y - p.y])
        u /= np.hypot(*u)
        v = np.array([-u[1], u[0]])
        half = 1600.0
        pts = [np.array(c) - half * u, np.array(c) - 0.3 * half * u + 25 * v, np.array(c) + 0.4 * half * u - 20 * v,
               np.array(c) + half * u]
        return strip([tuple(x) for x in pts], 6.0)

    def ok12(s):
        if not inside(s, L.outline, 20) or not clear_of(s, L.redline, 150):
            return False
        if any(s.intersects(g) for n, (g, _) in L.corridors.items() if n != name12):
            return False
        return severs_or_narrows(s, corr12, w12) == "severs"

    g = search((113.010, 28.000), trail, ok12, step=150, what="P12")
    add("P12", "zhaoshan_shiyanhu_trail", "昭山-石燕湖森林步道", "Zhaoshan-Shiyan Lake forest trail",
        "tourism_leisure", 0,
        "6 m wide trail cutting across the full width of the east-west forest belt (severance) -> corridor: "
        "tourism that severs a corridor is prohibited", "prohibited", g)

    # P13 road crossing the north-south forest belt
    name13, corr13, w13 = L.corridor("易俗河-法华山")

    def road(c):
        c = np.array(c)
        pts = [c + (-2600, -300), c + (-900, 80), c + (700, -60), c + (2500, 350)]
        return strip([tuple(x) for x in pts], 30.0)

    def ok13(s):
        if not clear_of(s, L.redline, 200) or not inside(s, L.outline, 30):
            return False
        if any(s.intersects(g) for n, (g, _) in L.corridors.items() if n != name13):
            return False
        return severs_or_narrows(s, corr13, w13) == "severs"

    g = search((113.095, 27.950), road, ok13, step=150, what="P13")
    add("P13", "tiaoma_baijia_road", "跳马-柏加连接公路", "Tiaoma-Baijia connecting road", "linear_infrastructure", 0,
        "30 m wide road, ~5 km, crossing the north-south forest belt -> corridor: linear crossing stays "
        "conditional (wildlife passage); green heart: conditional", "conditional", g)

    # P14 water pipeline crossing the Xiang River corridor
    name14, corr14, w14 = L.corridor("湘江")

    def pipe(c):
        c = np.array(c)
        pts = [c + (-1700, -150), c + (-300, 40), c + (1700, 200)]
        return strip([tuple(x) for x in pts], 12.0, join="mitre")

    def ok14(s):
        if not clear_of(s, L.redline, 200):
            return False
        if any(s.intersects(g) for n, (g, _) in L.corridors.items() if n != name14):
            return False
        return severs_or_narrows(s, corr14, w14) == "severs"

    g = search((112.925, 27.905), pipe, ok14, step=150, what="P14")
    add("P14", "xiangjiang_water_pipeline", "湘江过江供水管道", "Xiang River crossing water-supply pipeline",
        "utility_facility", 0,
        "12 m wide water pipeline corridor crossing the Xiang River belt -> corridor: utility crossing "
        "conditional; green heart: conditional", "conditional", g)

    # P15 high-standard farmland with a hole (the village is excluded)
    r15 = np.random.default_rng([SEED, 15])
    outer = parcel(r15, (0, 0), 40e4, n=11, rough=0.2, angle=100)
    hole = parcel(r15, (60, -40), 3.5e4, n=7, rough=0.2, angle=10)
    shape15 = Polygon(outer.exterior.coords, [hole.exterior.coords])
    assert shape15.is_valid
    g = search((113.175, 28.040), lambda c: shapely.affinity.translate(shape15, *c),
               lambda s: inside(s, L.integ, 60) and free(s, 200, 200), what="P15")
    add("P15", "baijia_farmland_with_hole", "柏加高标准农田建设（扣除村庄）",
        "Baijia high-standard farmland (village excluded: polygon with a hole)", "land_consolidation", 0,
        "land consolidation polygon with a hole, inside the integrated zone, clear of red line and corridors "
        "-> integrated: conditional", "conditional", g)

    # P16 self-intersecting 'bowtie' (invalid on purpose)
    def bowtie(c):
        x, y = c
        return Polygon([(x - 80, y - 60), (x + 80, y + 60), (x + 80, y - 60), (x - 80, y + 60), (x - 80, y - 60)])

    g = search((112.990, 28.060), bowtie,
               lambda s: inside(b.clean(s), L.integ, 60) and free(b.clean(s), 200, 200), what="P16")
    assert not g.is_valid
    add("P16", "muyun_waste_station_bowtie", "暮云垃圾中转站（自相交图形）",
        "Muyun refuse transfer station (self-intersecting bowtie)", "waste_disposal", 0,
        "invalid self-intersecting 'bowtie' polygon (must be repaired), inside the integrated zone -> "
        "waste disposal prohibited in the green heart", "prohibited", g)

    # P17 far outside everything: Guangzhou
    r17 = np.random.default_rng([SEED, 17])
    c17 = b.to_work(113.2650, 23.1290)
    g = parcel(r17, c17, 1.2e4, n=8, rough=0.15, angle=20)
    add("P17", "guangzhou_office_outside", "广州天河写字楼（范围外）", "Guangzhou office block (outside all data)",
        "commercial", 0,
        "far outside every layer: red line and corridors not_checked (outside their coverage), green heart "
        "(unbounded) clear -> overall incomplete", "incomplete", g)

    # P18 quarry inside the Shaoshan red-line patch (outside the green heart)
    ss = L.patch("韶山")
    r18 = np.random.default_rng([SEED, 18])
    shape18 = parcel(r18, (0, 0), 9e4, n=9, angle=60)
    g = search(tuple(b.geom_to_geo(ss.centroid).coords[0]), lambda c: shapely.affinity.translate(shape18, *c),
               lambda s: inside(s, ss, 200), step=100, what="P18")
    add("P18", "shaoshan_quarry", "韶山采石场扩界", "Shaoshan quarry extension", "mining_quarrying", 0,
        "quarry inside the Shaoshan red-line patch, outside the green heart -> red line: prohibited",
        "prohibited", g)

    # P19 solar farm (irregular multi-arm footprint) in the integrated zone
    r19 = np.random.default_rng([SEED, 19])
    base = l_shape((0, 0), 520, 420, 380, 260, 0)
    bump = parcel(r19, (-300, 250), 4e4, n=8, rough=0.15, angle=0)
    shape19 = shapely.union(base, bump)
    shape19 = shapely.affinity.rotate(shape19, -18, origin=(0, 0))
    g = search((113.185, 27.925), lambda c: shapely.affinity.translate(shape19, *c),
               lambda s: inside(s, L.integ, 60) and free(s, 150, 150), what="P19")
    add("P19", "hetang_solar_farm", "荷塘农光互补光伏电站", "Hetang agrivoltaic solar farm", "energy_plant", 0,
        "solar farm with an irregular L-shaped footprint in the integrated zone -> conditional "
        "(height/density per the style guideline)", "conditional", g)

    # P20 concrete plant outside the green heart, touching no zone
    r20 = np.random.default_rng([SEED, 20])
    shape20 = parcel(r20, (0, 0), 3e4, n=8, angle=150)
    g = search((112.880, 27.860), lambda c: shapely.affinity.translate(shape20, *c),
               lambda s: clear_of(s, L.outline, 1000) and free(s, 1000, 500) and inside(s, L.cov, 1000),
               what="P20")
    add("P20", "xiangtan_concrete_plant", "湘潭混凝土搅拌站", "Xiangtan concrete batching plant",
        "polluting_industry", 0,
        "polluting plant outside the green heart, > 1 km from every zone, inside the demo coverage -> "
        "touches no zone: permitted (the report lists the nearest zones)", "permitted", g)

    # P21 tea plantation reaching into the nature-reserve core
    host = L.patch("石燕湖")
    r21 = np.random.default_rng([SEED, 21])
    shape21 = parcel(r21, (0, 0), 12e4, n=9, angle=30)

    def ok21(s):
        a = shapely.intersection(s, nr).area / s.area
        return inside(s, host, 60) and 0.15 < a < 0.5

    g = search(tuple(b.geom_to_geo(nr.centroid).coords[0]), lambda c: shapely.affinity.translate(shape21, *c),
               ok21, step=80, what="P21")
    add("P21", "shiyanhu_tea_plantation", "石燕湖茶园扩种", "Shiyan Lake tea plantation extension",
        "agriculture_forestry", 0,
        "tea plantation inside the Shiyan Lake red line, partly inside the nature-reserve core -> "
        "nature_reserve_core: agriculture prohibited", "prohibited", g)

    # P22 military communication station in a red-line patch in the integrated zone
    jw = L.patch("九郎山西")
    r22 = np.random.default_rng([SEED, 22])
    shape22 = parcel(r22, (0, 0), 7e3, n=6, rough=0.15, angle=5)
    g = search(tuple(b.geom_to_geo(jw.centroid).coords[0]), lambda c: shapely.affinity.translate(shape22, *c),
               lambda s: inside(s, jw, 80) and inside(s, L.integ, 30) and clear_of(s, L.all_corr, 150),
               step=60, what="P22")
    add(
        "P22",
        "jiulangshan_west_military_station",
        "九郎山西军事通信站",
        "Jiulangshan West military communication station",
        "military_defense",
        0,
        "military facility inside a red-line patch that lies in the integrated zone -> red line: limited "
        "activity 1, conditional; integrated: conditional",
        "conditional",
        g,
    )
    return S


# ====================================================================== output
def round_geom(g_geo):
    return shapely.transform(g_geo, lambda c: np.round(c, DECIMALS))


def rfc7946_coords(poly: Polygon):
    def ring(r, ccw):
        c = [[round(float(x), DECIMALS), round(float(y), DECIMALS)] for x, y in r.coords]
        if LinearRingIsCCW(c) != ccw:
            c = c[::-1]
        return c
    return [ring(poly.exterior, True)] + [ring(h, False) for h in poly.interiors]


def LinearRingIsCCW(c):
    a = 0.0
    for (x1, y1), (x2, y2) in zip(c[:-1], c[1:], strict=False):
        a += x1 * y2 - x2 * y1
    return a > 0


def build(layers: Path, out: Path, quiet=False):
    def log(*a):
        if not quiet:
            print(*a, flush=True)

    L = Layers(layers)
    sites = build_sites(L)
    (out / "sites").mkdir(parents=True, exist_ok=True)
    rows = []
    fields = ["编号", "项目名称", "name_en", "category", "national_major", "intent", "expected"]
    problems = []
    table = []
    for s in sites:
        geo = round_geom(b.geom_to_geo(s["geom"]))
        if geo.is_valid:
            geo = shapely.orient_polygons(geo)
        work = b.geom_to_work(geo)  # verify what is written, after rounding
        overall, per, notes = evaluate(L, work, s["category"], s["national_major"])
        if overall != s["expected"]:
            problems.append(f"{s['编号']} {s['slug']}: expected {s['expected']}, placement gives {overall} {per}")
        props = {k: s[k] for k in fields}
        rows.append({**props, "geometry": geo})
        feature = {"type": "Feature", "properties": props,
                   "geometry": {"type": "Polygon", "coordinates": rfc7946_coords(geo)}}
        fc = {"type": "FeatureCollection", "features": [feature]}
        text = json.dumps(fc, ensure_ascii=False, indent=1)
        text = re.sub(r"\[\s+(-?[0-9.]+),\s+(-?[0-9.]+)\s+\]", r"[\1, \2]", text)  # one position per line
        (out / "sites" / f"{s['slug']}.geojson").write_text(text + "\n", encoding="utf-8")
        repaired = b.clean(work)
        if s["slug"] == "tongsheng_housing_touch":  # the sliver must stay < 0.3 m wide after rounding
            sliver = shapely.intersection(repaired, L.core)
            if sliver.is_empty or not sliver.buffer(-0.1).is_empty:
                problems.append(f"{s['编号']}: the overlap with the core zone is not a sliver < 0.2 m wide")
            notes.append(f"sliver {sliver.area:.1f} m2 along "
                         f"{shapely.intersection(repaired.boundary.buffer(0.3), L.core.boundary).length:.0f} m")
        table.append((s["编号"], s["slug"], s["category"], s["national_major"], repaired.area / 1e4,
                      int(shapely.get_num_coordinates(geo)), describe_2013(L, work), "; ".join(notes) or "-",
                      per, overall, s["expected"], geo.is_valid))
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=b.CRS_GEO)
    path = out / "sample_projects.gpkg"
    if path.exists():
        path.unlink()
    gdf.to_file(path, layer="projects", driver="GPKG", engine="pyogrio")

    log(f"{len(sites)} sample projects -> {path} and {out / 'sites'}/ (application date {APPLICATION_DATE})")
    cats = sorted({s['category'] for s in sites})
    log(f"{len(cats)} of 19 categories: {', '.join(cats)}\n")
    for (pid, slug, cat, nm, ha, nv, g13, notes, per, overall, exp, valid) in table:
        log(f"{pid} {slug:34s} {cat:22s}{' [national_major]' if nm else ''} {ha:7.2f} ha {nv:4d} pts"
            f"{'' if valid else ' INVALID(on purpose)'}")
        log(f"    hits: {notes}")
        log(f"    2013 (superseded): {g13}")
        log(f"    red_line_2022={per['red_line_2022']} green_heart_2024={per['green_heart_2024']} "
            f"corridor_2018={per['corridor_2018']} -> {overall} (expected {exp})")
    if problems:
        log("\nMISMATCH:\n  " + "\n  ".join(problems))
        raise SystemExit(1)
    log("\nall placements give the expected verdict")
    return gdf


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=Path, default=b.DEFAULT_OUT, help="folder of the demo layers")
    ap.add_argument("--out", type=Path, default=SEEDS, help="output folder (default: seeds/)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    build(args.layers, args.out, args.quiet)


if __name__ == "__main__":
    sys.exit(main())
