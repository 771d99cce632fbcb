"""The app's HTML pages (Chinese with English beside); every value is escaped by Jinja2's autoescape."""
from __future__ import annotations

from jinja2 import Environment

ENV = Environment(autoescape=True)

BASE = r"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }} — zoning</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{% block head %}{% endblock %}
<style>
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;margin:0;color:#222;font-size:14px}
nav{background:#1b5e20;color:#fff;padding:8px 16px} nav a{color:#fff;margin-right:18px;text-decoration:none;font-weight:bold}
main{padding:16px 20px;max-width:1200px} label{display:block;margin-top:10px;font-weight:bold}
input[type=text],input[type=date],select,textarea{width:100%;max-width:560px;padding:5px;box-sizing:border-box}
textarea{height:110px;font-family:monospace} button{margin-top:14px;padding:8px 22px;font-size:15px;background:#1b5e20;color:#fff;border:0;border-radius:3px;cursor:pointer}
table{border-collapse:collapse;width:100%} td,th{border:1px solid #ccc;padding:4px 6px;text-align:left} th{background:#f3f3f3}
.err{background:#fdecea;border:1px solid #c62828;padding:10px 14px;color:#8b0000} .demo{background:#fff8e1;border:1px solid #e0a800;padding:6px 10px;margin:8px 0}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:20px} #draw-map{height:420px;border:1px solid #aaa}
.v-prohibited{color:#b2182b;font-weight:bold} .v-conditional{color:#d66b00;font-weight:bold} .v-permitted{color:#1a7837;font-weight:bold}
</style></head><body>
<nav><a href="/">核查 Check</a><a href="/screen">批量 Lists</a><a href="/checks">登记册 Register</a>{% if open_mode or (user and user.role in ('reviewer', 'admin')) %}<a href="/impact">更新影响 Impact</a>{% endif %}<a href="/docs">API</a>
{% if user and user.role == 'admin' and user.name %}<a href="/users">用户 Users</a>{% endif %}
{% if user and user.name %}<span id="whoami" style="float:right">{{ user.name }} · {{ user.role }}
<form method="post" action="/logout" style="display:inline"><input type="hidden" name="csrf" value="{{ csrf }}">
<button id="logout" type="submit" style="margin:0;padding:2px 10px;font-size:13px">退出 Log out</button></form></span>{% endif %}</nav>
{% if open_mode %}<div class="demo" id="open-mode">开放模式：无人登录，仅供本机个人使用 Open mode: nobody is logged in — for one person's own machine only</div>{% endif %}
<main>{% block body %}{% endblock %}</main></body></html>"""

INDEX = BASE.replace("{% block head %}{% endblock %}", r"""
<link rel="stylesheet" href="/static/leaflet/leaflet.css"><link rel="stylesheet" href="/static/leaflet-draw/leaflet.draw.css">
<script src="/static/leaflet/leaflet.js"></script><script src="/static/leaflet-draw/leaflet.draw.js"></script>""").replace(
    "{% block body %}{% endblock %}", r"""
<h1>生态绿心与生态红线准入核查 Admission check</h1>
{% if demo %}<div class="demo">{{ notice }}</div>{% endif %}
<form id="check-form" method="post" action="/check" enctype="multipart/form-data"><input type="hidden" name="csrf" value="{{ csrf }}">
<div class="grid"><div>
<label>项目文件 Site file <small>(GeoJSON, GeoPackage, 压缩 Shapefile .zip, KML/KMZ, CSV/Excel, 界址点 TXT, DXF …)</small></label>
<input type="file" name="file" id="file">
<label>或粘贴坐标 Or paste coordinates <small>(每行 x,y；WKT；GeoJSON；界址点 TXT)</small></label>
<textarea name="coords" id="coords" placeholder="113.050,27.950&#10;113.060,27.950&#10;113.060,27.960"></textarea>
<label>坐标系 CRS of the file or coordinates</label>
<select name="crs" id="crs"><option value="">自动 auto (from the file; lon/lat → CGCS2000)</option>
{% for v, t in crs_options %}<option value="{{ v }}">{{ t }}</option>{% endfor %}</select>
<label>多地块文件的编号、名称或 #序号 Id, name or #N in a multi-site file <small>(可选 optional)</small></label><input type="text" name="site_id">
</div><div>
<label>或在地图上绘制 Or draw the site on the map</label><div id="draw-map"></div>
<input type="hidden" name="drawn" id="drawn">
<input type="hidden" name="submission" value="{{ submission }}">
</div></div>
<div class="grid"><div>
<label>项目类型 Project category</label>
<select name="category" id="category" required><option value="">— 请选择 choose —</option>
{% for c in categories %}<option value="{{ c.code }}">{{ c.name }} {{ c.name_en }}</option>{% endfor %}</select>
<label><input type="checkbox" name="national_major" value="1"> 国家重大项目 National major project</label>
<label>申请日期 Application date</label><input type="date" name="date" value="{{ today }}">
</div><div>
<label>案卷号 Case reference <small>(可选 optional)</small></label><input type="text" name="case_ref" id="case_ref">
<label>项目名称 Project name <small>(可选 optional)</small></label><input type="text" name="name" id="name">
<label>点位半径 Radius for a point (m) / 线宽 width for a line (m)</label>
<input type="text" name="radius" placeholder="radius"> <input type="text" name="width" placeholder="width">
</div></div>
<button type="submit" id="submit">核查 Check</button>
</form>
<script>
var map = L.map('draw-map').setView([27.96, 113.05], 11);
L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {attribution: '&copy; OpenStreetMap'}).addTo(map);
var drawn = new L.FeatureGroup().addTo(map);
map.addControl(new L.Control.Draw({edit: {featureGroup: drawn}, draw: {polyline: false, circle: false, marker: false,
  circlemarker: false, rectangle: true, polygon: true}}));
map.on(L.Draw.Event.CREATED, function (e) { drawn.clearLayers(); drawn.addLayer(e.layer);
  document.getElementById('drawn').value = JSON.stringify(e.layer.toGeoJSON()); });
// the zones around: fetched for the view from the prepared layers (read by window), so that nobody draws blind
var zones = L.geoJSON(null, {interactive: true, style: function (f) { var p = f.properties;
  return {color: p.colour || '#555', fillColor: p.fill || p.colour || '#999', fillOpacity: 0.3, weight: 1,
          className: 'zoning-zone zone-' + p.zone}; },
  onEachFeature: function (f, l) { l.bindTooltip(f.properties.label + ' · ' + f.properties.name); }}).addTo(map);
zones.bringToBack();
var zoneNote = L.control({position: 'bottomleft'});
zoneNote.onAdd = function () { var d = L.DomUtil.create('div', 'zone-note');
  d.style.cssText = 'background:#fff;padding:2px 6px;font:12px sans-serif'; return d; };
zoneNote.addTo(map);
var zoneSeq = 0;
function loadZones() {
  var b = map.getBounds(), seq = ++zoneSeq, note = document.querySelector('.zone-note');
  fetch('/api/zones?bbox=' + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return v.toFixed(6); }).join(','), {credentials: 'same-origin'})
    .then(function (r) { return r.json(); }).then(function (fc) {
      if (seq !== zoneSeq) return;
      zones.clearLayers(); zones.addData(fc);
      note.textContent = fc.zoom_in ? '放大以显示分区 Zoom in to see the zones'
                                    : '分区 Zones shown: ' + fc.features.length;
    });
}
map.on('moveend', loadZones);
loadZones();
</script>""")

RESULT_BAR = r"""<div id="zoning-toolbar" style="font-family:sans-serif;background:#f5f5f5;border-bottom:1px solid #bbb;padding:8px 16px">
{% if user and user.name %}<span id="whoami" style="float:right">{{ user.name }} · {{ user.role }}
<form method="post" action="/logout" style="display:inline"><input type="hidden" name="csrf" value="{{ csrf }}">
<button id="logout" type="submit">退出 Log out</button></form></span>{% endif %}
<a href="/">← 新的核查 New check</a> · <a href="/checks">登记册 Register</a>{% if open_mode or (user and user.role in ('reviewer', 'admin')) %}<a href="/impact">更新影响 Impact</a>{% endif %} · 登记号 Check #{{ rec.id }} · {{ rec.created }}
{% if rec.case_ref %} · 案卷号 Case {{ rec.case_ref }}{% endif %} · 核查人 Checked by <span id="checked-by">{{ rec.user_name or '—' }}</span><br>下载 Download:
<a id="dl-html" href="/checks/{{ rec.id }}/report.html">报告 report.html</a> ·
<a id="dl-pdf" href="/checks/{{ rec.id }}/report.pdf">报告 report.pdf</a> ·
<a id="dl-docx" href="/checks/{{ rec.id }}/report.docx">报告 report.docx (Word)</a> ·
<a id="dl-json" href="/checks/{{ rec.id }}/result.json">结果 result.json</a> ·
<a id="dl-geojson" href="/checks/{{ rec.id }}/site.geojson">项目范围 site.geojson</a>
{% if rec.overrides %}<div id="overrides" style="background:#e8f4fd;border:1px solid #4a90d9;padding:6px 10px;margin-top:6px">
<b>复核意见 Reviewer overrides</b> (原结论保持不变 the original result below is unchanged):
<ul>{% for o in rec.overrides %}<li>发现 finding {{ o.finding }} ({{ finding_label(o.finding) }}): <b>{{ o.decision }}</b> —
{{ o.reviewer }}, {{ o.created }}: {{ o.reason }}</li>{% endfor %}</ul></div>{% endif %}
{% if may_override %}<details style="margin-top:6px"><summary>复核某项发现 Override one finding</summary>
<form method="post" action="/checks/{{ rec.id }}/override" id="override-form"><input type="hidden" name="csrf" value="{{ csrf }}">
<select name="finding">{% for i, label in findings %}<option value="{{ i }}">{{ i }}: {{ label }}</option>{% endfor %}</select>
<select name="decision"><option value="no_conflict">确认无冲突 confirmed: no conflict</option>
<option value="conflict_confirmed">确认冲突 confirmed: conflict</option><option value="other">其他 other</option></select>
{% if user and user.name %}复核人 Reviewer: <b>{{ user.name }}</b>{% else %}<input type="text" name="reviewer" placeholder="复核人 reviewer" required>{% endif %}
<input type="text" name="reason" placeholder="理由 reason" required style="width:40%"> <button type="submit">提交 Save</button>
</form></details>{% endif %}</div>"""

CHECKS = BASE.replace("{% block body %}{% endblock %}", r"""
<h1>登记册 Register of checks</h1>
<form method="get" action="/checks"><div class="grid"><div>
<label>案卷号或项目名称 Case number or project name</label><input type="text" name="q" value="{{ q or '' }}">
<label>结论 Verdict</label><select name="verdict"><option value="">全部 all</option>
{% for v in ['prohibited','conditional','permitted'] %}<option value="{{ v }}" {% if v == verdict %}selected{% endif %}>{{ v }}</option>{% endfor %}</select>
</div><div><label>自 From</label><input type="date" name="date_from" value="{{ date_from or '' }}">
<label>至 To</label><input type="date" name="date_to" value="{{ date_to or '' }}"></div></div>
<button type="submit">查询 Search</button></form>
<p>{{ rows|length }} 条 checks</p>
<table id="checks"><tr><th>#</th><th>时间 Time</th><th>核查人 By</th><th>案卷号 Case</th><th>项目 Project</th><th>类别 Category</th><th>结论 Verdict</th><th>完整 Complete</th><th>申请日期 Date</th></tr>
{% for r in rows %}<tr><td><a class="open-check" href="/checks/{{ r.id }}">{{ r.id }}</a></td><td>{{ r.created }}</td><td>{{ r.user_name or '' }}</td><td>{{ r.case_ref or '' }}</td>
<td>{{ r.project_name or '' }}</td><td>{{ r.category }}</td><td class="v-{{ r.verdict }}">{{ r.verdict }}</td><td>{{ 'yes' if r.complete else 'NO' }}</td><td>{{ r.app_date }}</td></tr>{% endfor %}
</table>""")

SCREEN = BASE.replace("{% block body %}{% endblock %}", r"""
<h1>批量核查 Screen a list (≤ {{ max_rows }} projects)</h1>
<form method="post" action="/screen" enctype="multipart/form-data"><input type="hidden" name="csrf" value="{{ csrf }}">
<label>项目清单 Project list (CSV / Excel / GeoPackage / 压缩 Shapefile …)</label><input type="file" name="file" required>
<label>缺省项目类型 Default category for rows without one</label><select name="category"><option value="">—</option>
{% for c in categories %}<option value="{{ c.code }}">{{ c.name }} {{ c.name_en }}</option>{% endfor %}</select>
<label>申请日期 Application date</label><input type="date" name="date" value="{{ today }}">
<button type="submit">核查 Screen</button></form>
{% if summary %}<h2>结果 Result</h2><p id="screen-summary">{{ summary.rows }} 行 rows · {{ summary.verdicts }} · 错误 rows in error {{ summary.rows_in_error }}</p>
<p>下载 Download: <a href="/screen/{{ token }}/result.csv">result.csv</a> · <a href="/screen/{{ token }}/result.xlsx">result.xlsx</a></p>
<table id="screen-table"><tr>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in rows %}<tr>{% for c in columns %}<td>{{ r[c] }}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}""")

IMPACT = BASE.replace("{% block body %}{% endblock %}", r"""
<h1>图层更新影响 Impact of a layer update on the register</h1>
<p>登记册中的每一次核查都在现用图层与所选新图层上重新运行（各用其类别、国家重大项目标志与申请日期），列出结论、完整性、决定性发现或重叠面积发生变化者。
Every check in the register is re-run on the layers in use and on the chosen update (each with its own category,
flag and application date); those whose verdict, completeness, driving findings or overlap areas change are listed.</p>
<form method="post" action="/impact"><input type="hidden" name="csrf" value="{{ csrf }}">
<label>现用图层 Layers in use</label><div>{{ current }}</div>
<label>新图层清单 Updated manifest</label>
{% if candidates %}<select name="manifest" id="impact-manifest">{% for c in candidates %}<option value="{{ loop.index0 }}">{{ c }}</option>{% endfor %}</select>
<button type="submit">比较 Compare</button>{% else %}<p id="no-candidates">未找到新图层清单：将更新后的 layers.toml 放在现用图层文件夹旁的文件夹中。
No updated manifest found: put the updated layers.toml in a folder beside the one in use.</p>{% endif %}</form>
{% if impact %}<h2>结果 Result</h2>
<p id="impact-summary">{{ impact.total }} 条记录 records · {{ impact.changes|length }} 变化 changed · {{ impact.unchanged }} 不变 unchanged</p>
<p>下载 Download: <a id="impact-xlsx" href="/screen/{{ token }}/impact.xlsx">impact.xlsx</a></p>
<table id="impact-table"><tr><th>记录 Check</th><th>案号 Case ref</th><th>名称 Name</th><th>原结论 Old</th><th>新结论 New</th><th>变化 Zones changed (m²)</th></tr>
{% for c in impact.changes %}<tr><td><a href="/checks/{{ c.ref.check }}">#{{ c.ref.check }}</a></td><td>{{ c.ref.case_ref or '' }}</td><td>{{ c.ref.name or '' }}</td>
<td class="v-{{ c.old_verdict }}">{{ verdict(c.old_verdict) }}</td><td class="v-{{ c.new_verdict }}">{{ verdict(c.new_verdict) }}</td><td>{{ zones(c) }}</td></tr>{% endfor %}</table>{% endif %}""")

LOGIN = BASE.replace("{% block body %}{% endblock %}", r"""
<h1>登录 Log in</h1>{% if message %}<div class="err" id="error">{{ message }}</div>{% endif %}
<form method="post" action="/login" id="login-form"><input type="hidden" name="next" value="{{ next }}">
<label>用户名 User name</label><input type="text" name="name" id="name" autocomplete="username" required>
<label>密码 Password</label><input type="password" name="password" id="password" autocomplete="current-password" required
 style="width:100%;max-width:560px;padding:5px;box-sizing:border-box">
<button type="submit" id="login">登录 Log in</button></form>""")

USERS = BASE.replace("{% block body %}{% endblock %}", r"""
<h1>用户 Users</h1>
<table id="users"><tr><th>用户名 Name</th><th>角色 Role</th><th>状态 State</th><th>创建 Created</th><th></th></tr>
{% for u in users %}<tr><td>{{ u.name }}</td><td>{{ u.role }}</td><td>{{ '停用 disabled' if u.disabled else '启用 active' }}</td>
<td>{{ u.created }}</td><td>{% if not u.disabled and u.name != user.name %}<form method="post" action="/users/disable">
<input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="name" value="{{ u.name }}">
<button type="submit" style="margin:0;padding:2px 8px">停用 Disable</button></form>{% endif %}</td></tr>{% endfor %}</table>
<h2>新增用户 Add a user</h2>
<form method="post" action="/users" id="add-user"><input type="hidden" name="csrf" value="{{ csrf }}">
<label>用户名 Name</label><input type="text" name="name" id="new-name" required>
<label>角色 Role</label><select name="role" id="new-role"><option value="checker">核查员 checker</option>
<option value="reviewer">复核员 reviewer</option><option value="admin">管理员 admin</option></select>
<label>初始密码 Password (≥ 10 characters)</label><input type="password" name="password" id="new-password" required
 style="width:100%;max-width:560px;padding:5px;box-sizing:border-box">
<button type="submit" id="add-user-button">新增 Add</button></form>""")

ERROR = BASE.replace("{% block body %}{% endblock %}", r"""
<h1>{{ heading }}</h1><div class="err" id="error">{{ message }}</div><p><a href="javascript:history.back()">← 返回 Back</a></p>""")


def render(template: str, **kw) -> str:
    return ENV.from_string(template).render(**kw)
