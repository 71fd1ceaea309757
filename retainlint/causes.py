"""One cause, one finding, across rules.

``self._errors.append((msg, exc))`` on a long-lived object is one hazard — a list that grows with
every failure — which two rules see from two sides: the growth rule (RL101, RL301, RL302) sees a
container that only grows, RL403 sees an exception kept with its traceback.  Reported twice at one
statement, a user reads two problems where there is one fix.  The growth finding is kept (it is the
place that grows, with the retention chain or holder that decides it) and says what its entries
pin, with each RL403 message as a related location; RL403 is left for what no growth finding says:
a single slot, or growth judged less sure.

This runs after confidence and suppressions have been applied, so a finding the user does not see
(below ``--min-confidence``, or suppressed) never absorbs one they would have seen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Dict, List, Sequence, Tuple

from retainlint.findings import CONFIDENCE_ORDER, Finding, Related

GROWTH_CODES = frozenset({"RL101", "RL301", "RL302"})
KEPT_EXCEPTION = "RL403"
_PINS = "; each entry also keeps an exception or a frame, and through it every frame and local it holds (RL403)"

StatementOf = Callable[[str, int], int]  # (path, line) → the first line of the statement there


def merge_one_cause(findings: Sequence[Finding], statement_of: StatementOf) -> List[Finding]:
    """The findings with every RL403 folded into the growth finding made at the same statement,
    when that finding is at least as sure."""
    def place(finding: Finding) -> Tuple[str, int]:
        return finding.path, statement_of(finding.path, finding.span.line)

    growth: Dict[Tuple[str, int], Finding] = {}
    for finding in findings:
        if finding.code in GROWTH_CODES:
            growth.setdefault(place(finding), finding)
    folded: Dict[Tuple[str, int], List[Finding]] = {}
    for finding in findings:
        into = growth.get(place(finding)) if finding.code == KEPT_EXCEPTION else None
        if into is not None and CONFIDENCE_ORDER[into.confidence] >= CONFIDENCE_ORDER[finding.confidence]:
            folded.setdefault(place(finding), []).append(finding)
    absorbed = {id(finding) for kept in folded.values() for finding in kept}
    merged = []
    for finding in findings:
        if id(finding) in absorbed:
            continue
        kept = folded.get(place(finding)) if finding.code in GROWTH_CODES else None
        if kept and growth[place(finding)] is finding:
            finding = replace(finding, message=finding.message + _PINS, related=(
                *finding.related, *(Related(k.path, k.span, f"RL403: {k.message}") for k in kept)))
        merged.append(finding)
    return merged
