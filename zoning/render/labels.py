"""Bilingual labels for verdicts, statuses, finding types and confidence, from the message catalogue."""
from ..messages import section

VERDICT = section("verdict")
VERDICT_SHORT = section("verdict_short")
STATUS = section("status")
TYPE = section("type")
CONFIDENCE = section("confidence")


def verdict_counts(counts: dict) -> str:
    """Counts per verdict as people read them: `禁止 prohibited 6，有条件 conditional 14`."""
    return "，".join(f"{VERDICT_SHORT.get(k, k)} {n:,}" for k, n in (counts or {}).items()) or "—"
