"""Reading project sites from files and text: every format approvals staff receive, one row mapping."""
from .options import ReadOptions
from .sites import SiteInput, iter_sites, read_site, site_from_wkt

__all__ = ["ReadOptions", "SiteInput", "iter_sites", "read_site", "site_from_wkt"]
