"""The zone x category matrix of each rule set, as text, CSV or Markdown, for reviewers."""
from __future__ import annotations

import csv
import io

FIELDS = ["rule_set", "rule_set_version", "zone", "zone_name", "category", "category_name", "national_major",
          "verdict", "rule", "basis", "authority", "conditions", "conditions_en", "confidence",
          "geometry_checks", "on_geometry_fail"]


def vector_sets(catalogue, rule_set_ids=None):
    return [rs for rs in catalogue.rule_sets.values() if rs.kind != "raster_constraint"
            and (not rule_set_ids or rs.id in rule_set_ids)]


def raster_sets(catalogue, rule_set_ids=None):
    return [rs for rs in catalogue.rule_sets.values() if rs.kind == "raster_constraint"
            and (not rule_set_ids or rs.id in rule_set_ids)]


def raster_lines(catalogue, rule_set_ids=None) -> list[str]:
    out = []
    for rs in raster_sets(catalogue, rule_set_ids):
        out.append(f"{rs.id} v{rs.version} — {rs.title} ({rs.title_en}); measure {rs.measure}")
        for r in rs.rules:
            what = f"slope > {r.threshold:g}°" if rs.measure == "slope" else "class " + "/".join(r.classes)
            out.append(f"  {r.id}: {what} on ≥ {r.min_share:.0%} of the site -> {r.verdict} for "
                       f"{', '.join(r.categories)} [{r.confidence}]")
        out.append("")
    return out


def rows(catalogue, rule_set_ids=None):
    for rs in vector_sets(catalogue, rule_set_ids):
        for zone in rs.zones.values():
            for cat in catalogue.categories:
                for major in (False, True):
                    rule = rs.rule_for(zone.code, cat.code, major)
                    if major and not rule.national_major:
                        continue
                    yield {"rule_set": rs.id, "rule_set_version": rs.version, "zone": zone.code,
                           "zone_name": zone.name, "category": cat.code, "category_name": cat.name,
                           "national_major": major, "verdict": rule.verdict, "rule": rule.id,
                           "basis": rule.basis, "authority": rule.authority, "conditions": rule.conditions,
                           "conditions_en": rule.conditions_en, "confidence": rule.confidence,
                           "geometry_checks": " ".join(rule.geometry_checks),
                           "on_geometry_fail": rule.on_geometry_fail or ""}


def to_json(catalogue, rule_set_ids=None) -> str:
    """The matrix rows (as the CSV has them) and the raster rules, with each rule set's version and period."""
    import json
    sets = [{"id": rs.id, "version": rs.version, "title": rs.title, "title_en": rs.title_en, "kind": rs.kind,
             "in_force_from": rs.in_force_from.isoformat() if rs.in_force_from else None,
             "in_force_to": rs.in_force_to.isoformat() if rs.in_force_to else None, "sha256": rs.sha256}
            for rs in [*vector_sets(catalogue, rule_set_ids), *raster_sets(catalogue, rule_set_ids)]]
    raster = [{"rule_set": rs.id, "rule": r.id, "measure": rs.measure, "threshold": r.threshold,
               "classes": list(r.classes), "min_share": r.min_share, "categories": list(r.categories),
               "verdict": r.verdict, "basis": r.basis, "authority": r.authority, "confidence": r.confidence}
              for rs in raster_sets(catalogue, rule_set_ids) for r in rs.rules]
    return json.dumps({"rule_sets": sets, "matrix": list(rows(catalogue, rule_set_ids)), "raster_rules": raster},
                      ensure_ascii=False, indent=2)


def to_csv(catalogue, rule_set_ids=None) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows(catalogue, rule_set_ids))
    return buf.getvalue()


SHORT = {"prohibited": "✗ prohibited", "conditional": "◐ conditional", "permitted": "✓ permitted"}


def _grid(catalogue, rs):
    zones = list(rs.zones.values())
    header = ["category 类别"] + [f"{z.code} {z.name}" for z in zones]
    body = []
    for cat in catalogue.categories:
        cells = [f"{cat.code} {cat.name}"]
        for z in zones:
            rule = rs.rule_for(z.code, cat.code, False)
            extra = f" → {rule.on_geometry_fail} if {'/'.join(rule.geometry_checks)}" if rule.geometry_checks else ""
            draft = " (draft)" if rule.confidence == "draft" else ""
            cells.append(f"{SHORT[rule.verdict]}{draft}{extra} [{rule.id}]")
        body.append(cells)
    if any(r.national_major for r in rs.rules):
        cells = []
        for z in zones:
            rule = rs.rule_for(z.code, "*", True)
            cells.append(f"{SHORT[rule.verdict]} [{rule.id}]" if rule.national_major else "—")
        body.append(["national_major 国家重大项目"] + cells)
    return header, body


def _title(rs) -> str:
    return f"{rs.id} v{rs.version} — {rs.title} ({rs.title_en}); in force {rs.period()}"


def to_markdown(catalogue, rule_set_ids=None) -> str:
    out = []
    for rs in vector_sets(catalogue, rule_set_ids):
        header, body = _grid(catalogue, rs)
        out += [f"## {_title(rs)}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(row) + " |" for row in body]
        out += ["", "| rule | verdict | basis | authority | conditions | confidence |", "|---|---|---|---|---|---|"]
        for r in rs.rules:
            cond = (r.conditions + (" / " + r.conditions_en if r.conditions_en else "")).replace("|", "\\|")
            out.append(f"| {r.id} | {r.verdict} | {r.basis} | {r.authority} | {cond} | {r.confidence} |")
        if rs.notes:
            out += ["", f"Notes: {rs.notes}"]
        out.append("")
    raster = raster_lines(catalogue, rule_set_ids)
    if raster:
        out += ["## Raster constraints", ""] + [f"- {line.strip()}" if line.startswith("  ") else line
                                                 for line in raster]
    return "\n".join(out)


def to_text(catalogue, rule_set_ids=None) -> str:
    out = []
    for rs in vector_sets(catalogue, rule_set_ids):
        header, body = _grid(catalogue, rs)
        widths = [max(_w(r[i]) for r in [header] + body) for i in range(len(header))]
        out += [_title(rs), ""]
        for row in [header] + body:
            out.append("  ".join(c + " " * (w - _w(c)) for c, w in zip(row, widths, strict=False)).rstrip())
        out.append("")
    return "\n".join(out + raster_lines(catalogue, rule_set_ids))


def _w(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)


def categories_text(catalogue) -> str:
    lines = [f"{'code':22} 中文 / English — synonyms"]
    for c in catalogue.categories:
        lines.append(f"{c.code:22} {c.name} / {c.name_en} — {', '.join(c.synonyms)}")
    return "\n".join(lines)
