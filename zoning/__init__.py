"""zoning: admission checks of project sites against the Chang-Zhu-Tan Green Heart, red lines and corridors.

Data flow, one sub-package each: inputs -> geometry (normalisation) -> overlay -> rules (evaluation)
-> verdict -> render. `zoning.check(...)` runs it for one site; the CLI is a thin layer over it.
"""
from ._version import __version__

__all__ = ["check", "__version__"]


def __getattr__(name):
    """`zoning.check` is imported when first used: `import zoning` (and `zoning --help`) stays light, and no
    module of the package imports the package's façade back."""
    if name == "check":
        from .api import check
        return check
    raise AttributeError(f"module 'zoning' has no attribute {name!r}")
