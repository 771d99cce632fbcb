"""A static map image of one checked site, drawn with matplotlib and no network, for PDFs and printouts.

Chinese labels use Noto Sans CJK from Debian's `fonts-noto-cjk` package (installed by .ci/browser.sh); without
it the labels fall back to matplotlib's default font and the image says so in its footer.
"""
from __future__ import annotations

from typing import Any

import io
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely

from ..geometry.project import reproject
from ..overlay.display import overlap_piece, zones_in_force
from .labels import VERDICT
from .style import load_style, verdict_style, zone_style

CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed CJK font, registered with matplotlib."""
    from matplotlib import font_manager
    for path in CJK_FONTS:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def _draw(ax, geom, **kw):
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings = [poly.exterior, *poly.interiors]
        verts, codes = [], []
        for r in rings:
            xy = list(r.coords)
            verts += xy
            codes += [MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY]
        ax.add_patch(PathPatch(MPath(verts, codes), **kw))


def draw_site_map(ax, result, ctx, style: dict, *, window_m: float = 1500.0, font=None, labels: bool = False):
    """The site, the zones in force around it, its driving overlaps and a suggested place, on `ax` (analysis
    CRS metres), with a scale bar and a north arrow; returns the legend handles and the half-width shown."""
    from matplotlib.patches import Patch
    font = font or {}
    epsg = int(result.analysis_crs.split()[0].split(":")[1])
    site = reproject(result.site_geometry, "EPSG:4490", f"EPSG:{epsg}")
    shown = [site]
    sg = result.suggestion
    suggested = None
    if sg and sg.get("found"):
        suggested = reproject(shapely.geometry.shape(sg["geometry"]), "EPSG:4490", f"EPSG:{epsg}")
        shown.append(suggested)
    minx, miny, maxx, maxy = shapely.total_bounds(shown)
    half = max(maxx - minx, maxy - miny) / 2 + window_m * 0.4
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    window = shapely.box(cx - half, cy - half, cx + half, cy + half)
    handles, seen = [], set()
    for _, layer, _, feature, zone, geom in zones_in_force(ctx, epsg, window, 1.0):
        z = zone_style(style, zone)
        _draw(ax, geom, facecolor=z.get("fill"), edgecolor=z.get("colour"), alpha=z.get("fill_opacity", 0.4) + 0.1,
              linewidth=0.8)
        if zone not in seen:
            seen.add(zone)
            handles.append(Patch(facecolor=z.get("fill"), edgecolor=z.get("colour"), label=z.get("label", zone)))
        if labels and geom.area > 0.02 * window.area:
            free = geom.difference(site.buffer(half * 0.15))     # a label beside the site, not on it
            p = (free if not free.is_empty else geom).representative_point()
            ax.text(p.x, p.y, f"{z.get('label', zone)}\n{layer.names[feature]}", fontsize=6.5, ha="center",
                    va="center", color="#333", alpha=0.9, **font)
    for finding in result.findings:
        if finding.type == "overlap" and finding.drives_verdict:
            layer, _, _ = ctx.layer(next(s for s in ctx.manifest.layers if s.id == finding.layer))
            piece = overlap_piece(layer.window(epsg, np.array([site]), grow=0.0, nearest=False), site, finding.zone)
            v = verdict_style(style, finding.verdict)
            _draw(ax, piece, facecolor=v.get("fill"), edgecolor=v.get("colour"), alpha=0.8, linewidth=1, hatch="//")
            key = "verdict-" + str(finding.verdict)
            if key not in seen:
                seen.add(key)
                handles.append(Patch(facecolor=v.get("fill"), hatch="//", label=v.get("label", finding.verdict)))
    s = style.get("site", {})
    _draw(ax, site, facecolor="none", edgecolor=s.get("colour", "#111"), linewidth=2.2, linestyle="--")
    handles.append(Patch(facecolor="none", edgecolor=s.get("colour", "#111"), linestyle="--",
                         label=s.get("label", "site")))
    if suggested is not None:
        v = verdict_style(style, sg["verdict"])
        _draw(ax, suggested, facecolor=v.get("fill"), edgecolor="#2166ac", linewidth=1.8, linestyle=":", alpha=0.6)
        handles.append(Patch(facecolor=v.get("fill"), edgecolor="#2166ac", linestyle=":",
                             label=f"建议选址 Suggested ({VERDICT[sg['verdict']]})"))
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(cy - half, cy + half)
    ax.set_aspect("equal")
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.tick_params(labelsize=7)
    bar = _nice(half / 2.5)
    x0, y0 = cx - half * 0.92, cy - half * 0.9
    ax.plot([x0, x0 + bar], [y0, y0], color="black", linewidth=3)
    ax.text(x0 + bar / 2, y0 + half * 0.03, f"{bar:g} m", ha="center", fontsize=8, **font)
    ax.annotate("N", xy=(cx + half * 0.9, cy + half * 0.88), xytext=(cx + half * 0.9, cy + half * 0.7),
                arrowprops=dict(arrowstyle="-|>", color="black"), ha="center", fontsize=11, fontweight="bold")
    return handles, half


def footer_text(result, family) -> str:
    foot = f"{result.analysis_crs} · {result.date}"
    if result.manifest.get("demo"):
        foot += " · 演示数据 illustrative demo data, not official"
    if not family:
        foot += " · (no CJK font installed: install fonts-noto-cjk)"
    return foot


def static_map_png(result, ctx, *, window_m: float = 1500.0, style_path=None, dpi: int = 150) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    family = cjk_font()
    style = load_style(style_path)
    # the object API, not pyplot: reports are drawn concurrently by the web app's worker threads
    fig = Figure(figsize=(8, 7.2), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    font: dict[str, Any] = {"family": family} if family else {}
    handles, _ = draw_site_map(ax, result, ctx, style, window_m=window_m, font=font)
    ax.legend(handles=handles, loc="upper left", framealpha=0.9, prop={"size": 7, **font})
    ax.set_title(f"{result.site['name'] or ''}  {VERDICT[result.verdict]}", fontsize=11, **font)
    fig.text(0.01, 0.005, footer_text(result, family), fontsize=6.5, color="#444", **font)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _nice(x: float) -> float:
    """A round scale-bar length not above x."""
    import math
    p = 10 ** math.floor(math.log10(max(x, 1e-9)))
    for k in (5, 2, 1):
        if k * p <= x:
            return k * p
    return p
