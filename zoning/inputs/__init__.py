"""Reading project sites from files and text: every format approvals staff receive, one row mapping."""
from .options import ReadOptions
from .read import iter_sites, read_site
from .sites import SiteInput, site_from_wkt

__all__ = ["ReadOptions", "SiteInput", "iter_sites", "read_site", "site_from_wkt"]
