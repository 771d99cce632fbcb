"""Area units used in Chinese approvals: m², 公顷 (hectare) and 亩 (mu)."""
import numpy as np

M2_PER_HA = 10_000.0
M2_PER_MU = 10_000.0 / 15.0  # 1 公顷 = 15 亩 by definition, i.e. 666.67 m²


def rnd(x, digits: int):
    """Rounding shared by every output (numpy's, so that a column rounded at once equals each value rounded)."""
    return float(np.round(x, digits)) if np.ndim(x) == 0 else np.round(x, digits)


def areas(m2) -> dict:
    """m², 公顷 and 亩, rounded as every output shows them; works on a number or an array."""
    return {"m2": rnd(m2, 2), "ha": rnd(m2 / M2_PER_HA, 4), "mu": rnd(m2 / M2_PER_MU, 3)}
