"""One cause, one finding, across rules.

``self._errors.append((msg, exc))`` on a long-lived object is one hazard — a list that grows with
every failure — which two rules see from two sides: the growth rule (RL101, RL301, RL302) sees a
container that only grows, RL403 sees an exception kept with its traceback.  Reported twice at one
statement, a user reads two problems where there is one fix.  The growth finding is kept (it is the
place that grows, with the retention chain or holder that decides it), and says what its entries
pin, with RL403's message as a related location; RL403 is left for what no growth finding says: a single slot, or growth judged less sure.

This runs after confidence and suppressions have been applied, so a finding the user does not see
(below ``--min-confidence``, or suppressed) never absorbs one they would have seen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Sequence, Tuple

from retainlint.findings import CONFIDENCE_ORDER, Finding, Related

GROWTH_CODES = frozenset({"RL101", "RL301", "RL302"})
KEPT_EXCEPTION = "RL403"


def merge_one_cause(findings: Sequence[Finding]) -> List[Finding]:
    """The findings with each RL403 folded into the growth finding at the same statement, when
    that finding is at least as sure."""
    at: Dict[Tuple[str, int, int], Finding] = {}
    for finding in findings:
        if finding.code in GROWTH_CODES:
            at.setdefault(_place(finding), finding)
    absorbed: Dict[Tuple[str, int, int], Finding] = {}
    for finding in findings:
        growth = at.get(_place(finding)) if finding.code == KEPT_EXCEPTION else None
        if growth is not None and CONFIDENCE_ORDER[growth.confidence] >= CONFIDENCE_ORDER[finding.confidence]:
            absorbed[_place(finding)] = finding
    merged = []
    for finding in findings:
        place = _place(finding)
        if finding.code == KEPT_EXCEPTION and place in absorbed and absorbed[place] is finding:
            continue
        if finding.code in GROWTH_CODES and place in absorbed and at[place] is finding:
            kept = absorbed[place]
            finding = replace(finding, message=f"{finding.message}; each entry also keeps frames and every local they "
                                               f"hold alive (RL403, a related location)",
                              related=(*finding.related, Related(kept.path, kept.span, f"RL403: {kept.message}")))
        merged.append(finding)
    return merged


def _place(finding: Finding) -> Tuple[str, int, int]:
    return finding.path, finding.span.line, finding.span.col
