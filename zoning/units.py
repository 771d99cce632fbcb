"""Area units used in Chinese approvals: m², 公顷 (hectare) and 亩 (mu)."""
M2_PER_HA = 10_000.0
M2_PER_MU = 10_000.0 / 15.0  # 1 公顷 = 15 亩 by definition, i.e. 666.67 m²


def areas(m2: float) -> dict:
    return {"m2": round(m2, 2), "ha": round(m2 / M2_PER_HA, 4), "mu": round(m2 / M2_PER_MU, 3)}
