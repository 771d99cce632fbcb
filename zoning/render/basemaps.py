"""Basemaps: OpenStreetMap and imagery by default; Tianditu with a key; AMap only with overlays shifted to GCJ-02."""
from __future__ import annotations

import os
from typing import Any

OSM: dict[str, Any] = dict(tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png", name="OpenStreetMap",
           attr="&copy; OpenStreetMap contributors")
IMAGERY: dict[str, Any] = dict(tiles="https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
               name="影像 Imagery (Esri)", attr="Esri, Maxar, Earthstar Geographics")
TIANDITU = "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s&STYLE=default" \
           "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"
AMAP: dict[str, Any] = dict(tiles="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            name="高德 AMap (GCJ-02)", attr="&copy; AutoNavi 高德地图", subdomains="1234")
AMAP_NOTE = ("高德底图使用 GCJ-02 偏移坐标：为对齐底图，本图所有叠加图形已由 WGS84 偏移至 GCJ-02，仅用于显示；"
             "分析一律使用 CGCS2000 原始坐标。AMap tiles are in GCJ-02: every overlay on this map is shifted from "
             "WGS84 to GCJ-02 for display only; all analysis uses the unshifted CGCS2000 coordinates.")
BASEMAPS = ("osm", "tianditu", "amap")


def tianditu_key(option: str | None) -> str | None:
    return option or os.environ.get("TIANDITU_KEY") or None


def basemap_shift(basemap: str) -> str | None:
    """The display shift overlays need on this basemap ('gcj02' for AMap), as add_basemaps returns it."""
    return "gcj02" if basemap == "amap" else None


def add_basemaps(m, basemap: str = "osm", key: str | None = None):
    """Add the base layers to a folium map; returns the display shift ('gcj02' for AMap) or None.

    Default: OpenStreetMap and imagery, plus Tianditu vector, imagery and labels when a key is given (Tianditu is
    in CGCS2000, so no shift). `amap`: AMap tiles only, and the caller shifts every overlay to GCJ-02.
    """
    import folium
    if basemap == "amap":
        folium.TileLayer(**AMAP).add_to(m)
        return "gcj02"
    folium.TileLayer(**OSM).add_to(m)
    folium.TileLayer(**IMAGERY).add_to(m)
    if key:
        tdt: dict[str, Any] = dict(attr="&copy; 天地图 Tianditu", subdomains="01234567")
        folium.TileLayer(tiles=TIANDITU % ("vec", "vec", key), name="天地图 矢量 Tianditu vector", **tdt).add_to(m)
        folium.TileLayer(tiles=TIANDITU % ("img", "img", key), name="天地图 影像 Tianditu imagery", **tdt).add_to(m)
        folium.TileLayer(tiles=TIANDITU % ("cva", "cva", key), name="天地图 注记 Tianditu labels", overlay=True,
                         **tdt).add_to(m)
    return None


def add_overlay(m, png_path, name: str = "适宜性 Suitability", opacity: float = 0.6):
    """Show a suitability PNG (with its .json bounds from `zoning suitability`) as a toggleable overlay."""
    import base64
    import json
    from pathlib import Path

    import folium

    from ..errors import InputError
    png = Path(png_path)
    meta = png.with_suffix(".json")
    if not png.exists() or not meta.exists():
        raise InputError("overlay PNG or its .json bounds not found", source=str(png),
                         expected="the .png written by zoning suitability, with the .json beside it")
    bounds = json.loads(meta.read_text(encoding="utf-8"))["bounds"]
    uri = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()
    folium.raster_layers.ImageOverlay(image=uri, bounds=bounds, opacity=opacity, name=name,
                                      class_name="zoning-overlay").add_to(m)
    from ..suitability import COLOURS
    from .folium_typed import root
    labels = {1: "准入 permitted", 2: "有条件 conditional", 3: "禁止 prohibited"}
    rows = "".join(f'<div><span style="display:inline-block;width:12px;height:12px;margin-right:6px;'
                   f'background:rgb({r},{g},{b})"></span>{labels[k]}</div>' for k, (r, g, b, _) in COLOURS.items())
    root(m).html.add_child(folium.Element(
        '<div id="zoning-overlay-legend" style="position:fixed;bottom:40px;left:360px;z-index:900;background:#fff;'
        f'padding:6px 10px;border:1px solid #888;font:12px sans-serif"><b>{name}</b>{rows}</div>'))
