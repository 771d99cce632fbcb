"""The text an approvals officer reads: the verdict first, then each finding in Chinese and English."""
from __future__ import annotations

from ..units import areas
from .labels import CONFIDENCE, STATUS, TYPE, VERDICT


def _area(m2: float) -> str:
    a = areas(m2)
    return f"{a['m2']:,.2f} m² = {a['ha']:,.4f} 公顷 ha = {a['mu']:,.3f} 亩 mu"


def stats_text(stats: dict) -> str:
    parts = []
    if "mean_slope_deg" in stats:
        parts.append(f"平均坡度 mean slope {stats['mean_slope_deg']:.1f}°, 最大 max {stats['max_slope_deg']:.1f}°")
        parts += [f"{k.split('_')[1]}°以上 over {k.split('_')[1]}° {v:.1%}" for k, v in stats.items()
                  if k.endswith("_deg_share")]
    for name, a in stats.get("class_area_m2", {}).items():
        parts.append(f"{name} {areas(a)['m2']:,.0f} m² ({stats['class_share'][name]:.1%})")
    if stats.get("nodata_m2"):
        parts.append(f"无数据 nodata {stats['nodata_m2']:,.0f} m²")
    return "; ".join(parts)


def _finding_lines(i, f) -> list[str]:
    out = [f" {i}. [{VERDICT[f.verdict]}] {f.zone_name} {f.zone_name_en} — {TYPE[f.type]}",
           f"    图层 Layer {f.layer} ({f.rule_set}); 要素 Feature: {f.feature}",
           f"    重叠 Overlap: {_area(f.overlap_m2)} ({f.overlap_share:.2%} of site 占项目面积)"]
    for c in f.corridor:
        state = "切断廊道 severs the corridor" if c["severs"] else (
            "使廊道窄于最小宽度 narrows it below the minimum width" if c["narrows_below_min_width"]
            else "不切断、不窄于最小宽度 neither severs nor narrows it")
        resid = "" if c["residual_width_m"] is None else f"; 剩余宽度 residual width ≈ {c['residual_width_m']:g} m"
        out.append(f"    廊道 Corridor {c['feature']}: 最小宽度 min width {c['min_width_m']:g} m; {state}{resid}")
    if f.stats:
        out.append("    统计 Statistics: " + stats_text(f.stats))
    out.append(f"    规则 Rule {f.rule} · 可信度 Confidence: {CONFIDENCE.get(f.confidence, f.confidence)}")
    out.append(f"    依据 Basis: {f.basis}")
    if f.authority:
        out.append(f"    审批机关 Authority: {f.authority}")
    if f.conditions:
        out.append(f"    条件 Conditions: {f.conditions}")
    if f.conditions_en:
        out.append(f"                {f.conditions_en}")
    return out


def render_text(result) -> str:
    r = result
    s = r.site
    out = [f"结论 VERDICT: {VERDICT[r.verdict]}"]
    if not r.complete:
        out.append("⚠ 结论不完整 INCOMPLETE — " + "; ".join(r.incomplete_reasons))
    if r.manifest.get("demo"):
        out.append(f"⚠ {r.manifest.get('notice') or 'DEMO DATA, not official'}")
    out.append("")
    major = " · 国家重大项目 national major" if s["national_major"] else ""
    ident = f" [{s['id']}]" if s["id"] else ""
    out.append(f"项目 Site: {s['name'] or '未命名 unnamed'}{ident} · {s['category_name']} {s['category']}{major}")
    out.append(f"面积 Area: {_area(s['area_m2'])}")
    if s.get("footprint"):
        out.append(f"范围 Footprint: {s['footprint']}")
    out.append(f"日期 Date: {r.date} · 分析坐标系 Analysis CRS: {r.analysis_crs} · 容差 Tolerance {r.tolerance_m:g} m")
    for w in r.warnings:
        out.append(f"⚠ {w}")
    drive = [f for f in r.findings if f.drives_verdict]
    other = [f for f in r.findings if not f.drives_verdict and f.type != "nearest"]
    out.append("")
    out.append(f"决定结论的发现 Findings that drive the verdict ({len(drive)}):" if drive
               else "决定结论的发现 Findings that drive the verdict: 无 none (the site overlaps no zone in force)")
    for i, f in enumerate(drive, 1):
        out += _finding_lines(i, f)
    if other:
        out.append("")
        out.append(f"其他发现（不影响结论）Other findings, not driving the verdict ({len(other)}):")
        for f in other:
            size = (f"{f.distance_m:,.1f} m" if f.type == "adjacency" else stats_text(f.stats)
                    if f.type == "raster_stats" else f"{_area(f.overlap_m2)} ({f.overlap_share:.2%})")
            out.append(f" - {TYPE[f.type]}: {f.zone_name} {f.zone_name_en} [{f.layer}] {f.feature}: {size}; "
                       f"{VERDICT[f.verdict] if f.verdict else ''} {f.rule or ''} — {f.note}".rstrip())
    nearest = [f for f in r.findings if f.type == "nearest"]
    if nearest:
        out.append("")
        out.append("最近分区 Nearest zones:")
        for f in nearest:
            out.append(f" - {f.layer}: {f.zone_name} {f.zone_name_en} ({f.feature}) {f.distance_m:,.1f} m")
    sg = r.suggestion
    if sg:
        out.append("")
        if sg.get("found"):
            out.append(f"建议选址 Suggested location: 向{sg['direction']}平移 {sg['distance_m']:,.0f} m "
                       f"(bearing {sg['bearing_deg']:.0f}°) → {VERDICT[sg['verdict']]} (全面复核 full check; "
                       f"rules {', '.join(sg['rules']) or '—'})")
        else:
            out.append(f"建议选址 Suggested location: 无 none — {sg['note']}")
    out.append("")
    out.append("图层 Layers:")
    for lr in r.layers:
        extra = f" — {lr.error}" if lr.error else ""
        sha = (lr.sha256 or "")[:12]
        force = "" if lr.rule_set_status in (None, "in_force") else f" [{lr.rule_set_status}]"
        out.append(f" - {lr.id}: {STATUS[lr.status]}{force} · {lr.rule_set} · version {lr.version} · "
                   f"sha256 {sha}{extra}")
    out.append("规则集 Rule sets: " + ", ".join(f"{x['id']} v{x['version']} ({x['status_on_date']})"
                                             for x in r.rule_sets))
    out.append(f"工具 Tool: zoning {r.tool_version} · 几何哈希 geometry sha256 {s['geometry_sha256'][:16]}")
    out.append("")
    out.append(r.disclaimer)
    return "\n".join(out)


def period_text(r: dict) -> str:
    """A rule set's period in force as a reader expects it: real dates, or 不限 (no limit) for an open end."""
    start, end = r.get("in_force_from"), r.get("in_force_to")
    if not start and not end:
        return "不限 no limit"
    return f"{start or '—'} 至 {end or '今 now'}"
