"""Bilingual labels for verdicts, statuses, finding types and confidence, from the message catalogue."""
from ..messages import section

VERDICT = section("verdict")
VERDICT_SHORT = section("verdict_short")
STATUS = section("status")
TYPE = section("type")
CONFIDENCE = section("confidence")
