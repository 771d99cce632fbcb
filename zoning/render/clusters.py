"""Clustered site markers in the colour of the worst verdict among them (a cluster of six prohibited sites is
red, whatever its size): the screening overview map and the atlas's results layer."""
from __future__ import annotations

import json

COLOURS = {"prohibited": "#d7191c", "conditional": "#fdae61", "permitted": "#1a9641", "error": "#7b3294"}
LABELS = {"prohibited": "禁止 prohibited", "conditional": "有条件 conditional", "permitted": "准入 permitted",
          "error": "错误 error (not screened)"}
RANK = {"prohibited": 0, "conditional": 1, "permitted": 2, "error": 3}     # a cluster shows its lowest rank

# the cluster icon: the count, on the colour of the worst verdict among its sites
CLUSTER_ICON = """function (cluster) {
    var worst = 3, colours = %s;
    cluster.getAllChildMarkers().forEach(function (m) { if (m.options.rank < worst) { worst = m.options.rank; } });
    return L.divIcon({html: '<div style="background:' + colours[worst] + ';color:#fff;border-radius:20px;'
        + 'width:36px;height:36px;text-align:center;font:bold 12px/36px sans-serif;opacity:.9">'
        + cluster.getChildCount() + '</div>', className: 'zoning-cluster rank-' + worst, iconSize: L.point(36, 36)});
}"""


def cluster_icon() -> str:
    """The `icon_create_function` of a FastMarkerCluster whose markers carry `rank` (RANK) in their options."""
    return CLUSTER_ICON % json.dumps({RANK[k]: c for k, c in COLOURS.items()})
