"""A stored report as it is downloaded: the report as first shown, with the register's number filled in and a
reviewer's overrides shown beside the findings they concern (the original text itself is never changed)."""
from __future__ import annotations

import html as html_lib
import re


def report_number(rec) -> str:
    return f"ZN-{rec['id']:06d}"


def override_lines(rec) -> list[str]:
    findings = rec["result"]["findings"]
    out = []
    for o in rec.get("overrides") or []:
        f = findings[o["finding"]] if 0 <= o["finding"] < len(findings) else {}
        what = f"{f.get('layer', '')} {f.get('zone_name', '')} {f.get('rule') or ''}".strip()
        out.append(f"复核意见 Override of finding {o['finding']} ({what}): {o['decision']} — {o['reviewer']}, "
                   f"{o['created']}: {o['reason']}")
    return out


def filed_html(html: str, rec) -> str:
    """The stored HTML with the register number and the overrides added."""
    no = html_lib.escape(report_number(rec))
    html = html.replace('<p id="report-no"></p>', f'<p id="report-no">报告编号 Report no. {no}</p>', 1)
    html = html.replace('<td id="report-no-cell">—</td>', f'<td id="report-no-cell">{no}</td>', 1)
    lines = override_lines(rec)
    if not lines:
        return html
    box = ('<div class="warn" id="overrides"><b>复核意见 Reviewer overrides</b> (原结论保持不变 the original result '
           'below is unchanged)<ul>' + "".join(f"<li>{html_lib.escape(x)}</li>" for x in lines) + "</ul></div>")
    html = re.sub(r'(<div class="banner" id="verdict-banner"[^>]*>.*?</div>)', lambda m: m.group(1) + box, html,
                  count=1, flags=re.S)
    for o, line in zip(rec["overrides"], lines, strict=True):
        text = html_lib.escape(line)
        n = int(o["finding"])
        tag = re.search(rf'<div class="finding" id="finding-{n}"[^>]*>', html)
        if tag:             # a finding that drives the verdict: the note inside its block
            note = f'<div class="override-note" style="background:#e8f4fd;padding:4px 8px">{text}</div>'
            html = html[:tag.end()] + note + html[tag.end():]
            continue
        row = re.search(rf'<tr id="finding-{n}"[^>]*>.*?</tr>', html, flags=re.S)
        if row:             # another finding, a row of the table: the note as the row after it
            note = f'<tr class="override-note" style="background:#e8f4fd"><td colspan="9">{text}</td></tr>'
            html = html[:row.end()] + note + html[row.end():]
    return html
