"""Reading project sites from files and text into raw geometries with their attributes."""
from .sites import SiteInput, read_site, site_from_wkt

__all__ = ["SiteInput", "read_site", "site_from_wkt"]
