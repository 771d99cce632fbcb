"""A printable map sheet of one checked site (A4 or A3, portrait or landscape): title and verdict, the map with
zone labels, legend, scale bar and north arrow, a location inset, and the versions and disclaimer line. Written as
a PDF (`check --map-sheet sheet.pdf`) and as the last page of the PDF report. matplotlib, no network."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import shapely

from ..atomic import write_bytes
from ..geometry.project import reproject
from .labels import VERDICT
from .static_map import cjk_font, draw_site_map, footer_text
from .style import load_style, verdict_style

PAPER_MM = {"A4": (210, 297), "A3": (297, 420)}
PAPERS = tuple(PAPER_MM)
ORIENTATIONS = ("portrait", "landscape")


def _figure(paper: str, orientation: str):
    from matplotlib.figure import Figure
    w, h = PAPER_MM[paper]
    if orientation == "landscape":
        w, h = h, w
    return Figure(figsize=(w / 25.4, h / 25.4))


def _inset(fig, rect, result, ctx, font) -> None:
    """Where the site is: every vector layer's extent, and the site as a red mark."""
    ax = fig.add_axes(rect)
    epsg = int(result.analysis_crs.split()[0].split(":")[1])
    boxes = []
    for spec in ctx.manifest.layers:
        if spec.is_raster:
            continue
        layer, _, _ = ctx.layer(spec)
        if layer is None or layer.bounds is None:
            continue
        box = reproject(shapely.box(*layer.bounds), layer.crs, f"EPSG:{epsg}")
        boxes.append(box)
        x, y = box.exterior.xy
        ax.plot(x, y, color="#2e7d32", linewidth=0.8)
    site = reproject(result.site_geometry, "EPSG:4490", f"EPSG:{epsg}").centroid
    ax.plot([site.x], [site.y], marker="o", color="#d7191c", markersize=5)
    if boxes:
        b = shapely.total_bounds(boxes + [site.buffer(2000)])
        pad = 0.05 * max(b[2] - b[0], b[3] - b[1])
        ax.set_xlim(b[0] - pad, b[2] + pad)
        ax.set_ylim(b[1] - pad, b[3] + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("位置 Location", fontsize=7, **font)


def draw_sheet(result, ctx, *, paper: str = "A4", orientation: str = "landscape", style_path=None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    family = cjk_font()
    font: dict[str, Any] = {"family": family} if family else {}
    style = load_style(style_path)
    fig = _figure(paper, orientation)
    FigureCanvasAgg(fig)
    land = orientation == "landscape"
    map_rect = [0.04, 0.08, 0.62, 0.78] if land else [0.06, 0.22, 0.88, 0.62]
    ax = fig.add_axes(map_rect)
    handles, _ = draw_site_map(ax, result, ctx, style, font=font, labels=True)
    v = verdict_style(style, result.verdict)
    s = result.site
    fig.text(0.04 if land else 0.06, 0.955, "生态绿心及生态红线准入审查 图纸 Admission screening map sheet",
             fontsize=13, fontweight="bold", **font)
    fig.text(0.04 if land else 0.06, 0.915, f"{s.get('name') or '未命名 unnamed'} [{s.get('id') or '—'}] · "
             f"{s['category_name']} {s['category']} · {s['area_ha']:,.4f} 公顷", fontsize=9, **font)
    fig.text(0.96 if land else 0.94, 0.935, f"结论 {VERDICT[result.verdict]}", fontsize=12, fontweight="bold",
             ha="right", color="white", bbox=dict(facecolor=v.get("fill", "#555"), edgecolor="none", pad=4), **font)
    if land:
        leg = fig.add_axes([0.69, 0.42, 0.28, 0.44])
        inset = [0.71, 0.10, 0.24, 0.28]
    else:
        leg = fig.add_axes([0.06, 0.06, 0.5, 0.14])
        inset = [0.62, 0.05, 0.32, 0.15]
    leg.axis("off")
    leg.legend(handles=handles, loc="upper left", frameon=True, title="图例 Legend", prop={"size": 7, **font},
               title_fontproperties={"size": 8, **font})
    _inset(fig, inset, result, ctx, font)
    fig.text(0.04 if land else 0.06, 0.02, footer_text(result, family) + " · " + result.disclaimer[:60] + "…",
             fontsize=6, color="#444", **font)
    return fig


def map_sheet_pdf(result, ctx, *, paper: str = "A4", orientation: str = "landscape", style_path=None) -> bytes:
    fig = draw_sheet(result, ctx, paper=paper, orientation=orientation, style_path=style_path)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    return buf.getvalue()


def map_sheet_png(result, ctx, *, paper: str = "A4", orientation: str = "portrait", style_path=None,
                  dpi: int = 110) -> bytes:
    fig = draw_sheet(result, ctx, paper=paper, orientation=orientation, style_path=style_path)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def write_map_sheet(result, ctx, path, *, paper: str = "A4", orientation: str = "landscape",
                    style_path=None) -> Path:
    path = Path(path)
    data = (map_sheet_png if path.suffix.lower() == ".png" else map_sheet_pdf)(
        result, ctx, paper=paper, orientation=orientation, style_path=style_path)
    return write_bytes(path, data)
