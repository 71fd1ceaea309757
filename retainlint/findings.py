"""What a check reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Tuple

from retainlint.facts import Span

CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class Related:
    """Another place that explains a finding (a link of its retention chain, the definition)."""

    path: str
    span: Span
    message: str


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    path: str
    span: Span
    confidence: str
    fix: str = ""
    related: Tuple[Related, ...] = field(default=())
    scope: str = ""  # enclosing function/class, filled in with the fingerprint
    statement: str = ""  # the source the finding points at, whitespace folded
    fingerprint: str = ""  # stable across edits elsewhere in the file (see retainlint.fingerprint)

    def sort_key(self):
        """Place, then rule, then message: two findings of one rule at one place come out in the
        same order on every run, whatever order the checks made them in."""
        return (self.path, self.span.line, self.span.col, self.code, self.message)


def at_least(confidence: str, minimum: str) -> bool:
    return CONFIDENCE_ORDER[confidence] >= CONFIDENCE_ORDER[minimum]
