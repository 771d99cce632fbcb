"""zoning: admission checks of project sites against the Chang-Zhu-Tan Green Heart, red lines and corridors.

Data flow, one sub-package each: inputs -> geometry (normalisation) -> overlay -> rules (evaluation)
-> verdict -> render. `zoning.check(...)` runs it for one site; the CLI is a thin layer over it.
"""
__version__ = "0.1.0"

from .api import check  # noqa: E402

__all__ = ["check", "__version__"]
