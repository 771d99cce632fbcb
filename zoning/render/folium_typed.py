"""Two folium calls whose type hints are narrower than what folium accepts: the page root of a map (an Element
in the hints, a Figure with `html` and `script` in fact) and a popup for a GeoJson (a GeoJsonPopup in the hints,
any Popup in fact)."""
from __future__ import annotations

from typing import Any


def root(m) -> Any:
    return m.get_root()


def popup(html: str, max_width: int = 300) -> Any:
    import folium
    return folium.Popup(html, max_width=max_width)
