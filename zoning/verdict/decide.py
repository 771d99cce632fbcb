"""Per-layer status and the overall verdict of every site of a batch: the worst driving finding, honest about
what was not checked."""
from __future__ import annotations

import numpy as np

from ..rules.ruleset import VERDICTS, verdict_rank
from ..messages import note


def layer_status(covered: np.ndarray, hit: np.ndarray, in_force: bool) -> np.ndarray:
    """Status of one layer per site: not_in_force | not_checked | hit | clear."""
    n = len(covered)
    if not in_force:
        return np.full(n, "not_in_force", dtype=object)
    status = np.full(n, "not_checked", dtype=object)
    status[hit & (covered > 0)] = "hit"
    status[~hit & (covered >= 1.0)] = "clear"
    return status


def worst_per_site(findings, n: int) -> np.ndarray:
    """The worst verdict among each site's driving findings; `permitted` when none drives."""
    rank = np.full(n, len(VERDICTS) - 1)
    drive = findings["drives_verdict"]
    if drive.any():
        np.minimum.at(rank, findings["site"][drive], verdict_rank(findings["verdict"][drive], len(VERDICTS) - 1))
    out = np.empty(n, dtype=object)
    out[:] = [VERDICTS[r] for r in rank]
    return out


def incomplete_reasons(infos, status: np.ndarray, covered: np.ndarray) -> list[list[str]]:
    """Per site, why the verdict is incomplete: a layer in force that failed or does not cover the site."""
    reasons: list[list[str]] = [[] for _ in range(status.shape[0])]
    for k, info in enumerate(infos):
        if info.rule_set_status not in (None, "in_force"):
            continue
        if info.status == "failed":
            for r in reasons:
                r.append(note("layer_failed", layer=info.id, why=info.error))
            continue
        short = np.flatnonzero((status[:, k] == "not_checked") | (covered[:, k] < 1.0))
        for i in short:
            c = covered[i, k]
            reasons[i].append(note("layer_not_covering", layer=info.id, share=0 if np.isnan(c) else c))
    return reasons
