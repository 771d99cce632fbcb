"""How to read a site file: forced format, encoding, table or CAD layer, and column names."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadOptions:
    format_in: str | None = None      # force a reader: see detect.FORMATS
    encoding: str | None = None
    layer: str | None = None          # table of a GeoPackage, sheet of a workbook, shapefile in a zip, CAD layer
    wkt_field: str | None = None
    lon_field: str | None = None
    lat_field: str | None = None
    id_field: str | None = None
    name_field: str | None = None
    category_field: str | None = None
    national_major_field: str | None = None
    date_field: str | None = None

    def __post_init__(self):
        if self.encoding:      # an unknown name is the user's mistake now, not a traceback in some reader later
            from .encoding import codec_name
            object.__setattr__(self, "encoding", codec_name(self.encoding))
