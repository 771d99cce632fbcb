"""Per-layer status and the overall verdict: the worst driving finding, honest about what was not checked."""
from __future__ import annotations

from ..rules.ruleset import worst


def layer_status(covered_share: float, findings, in_force: bool) -> str:
    if not in_force:
        return "not_in_force"
    if covered_share <= 0.0:
        return "not_checked"
    if any(f.drives_verdict for f in findings):
        return "hit"
    return "clear" if covered_share >= 1.0 else "not_checked"


def overall(findings, reports) -> tuple[str, bool, list[str]]:
    """(verdict, complete, reasons incomplete). No driving finding means `permitted`."""
    verdict = worst(f.verdict for f in findings if f.drives_verdict) or "permitted"
    reasons = []
    for r in reports:
        if r.rule_set_status not in (None, "in_force"):
            continue
        if r.status == "failed":
            reasons.append(f"layer {r.id} failed to load: {r.error}")
        elif r.status == "not_checked" or (r.covered_share is not None and r.covered_share < 1.0):
            reasons.append(f"layer {r.id} does not cover the site "
                           f"(covered share {0 if r.covered_share is None else r.covered_share:.1%}): not checked")
    return verdict, not reasons, reasons
