"""Inline suppression comments.

* ``# retainlint: ignore[RL201]`` or ``# noqa: RL201`` on the reported line, or on the first
  line of the statement the finding is in (for statements over several lines);
* ``# retainlint: ignore`` or a bare ``# noqa`` suppresses every code on its line;
* ``# retainlint: ignore-file[RL2]`` anywhere in a file suppresses those codes (prefixes allowed)
  in the whole file, ``# retainlint: ignore-file`` all of them.

Scanned from the raw lines rather than the tree so that a comment on any physical line counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Optional, Set, Tuple

ALL = "*"
FILE_LINE = 0  # suppressions keyed by this "line" apply to the whole file
_IGNORE = re.compile(r"#\s*retainlint:\s*ignore(?!-file)(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_IGNORE_FILE = re.compile(r"#\s*retainlint:\s*ignore-file(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)


def _codes(group) -> FrozenSet[str]:
    if not group:
        return frozenset({ALL})
    return frozenset(c.strip().upper() for c in re.split(r"[\s,]+", group) if c.strip())


def scan_suppressions(text: str) -> Dict[int, FrozenSet[str]]:
    """Line → suppressed codes ("*" for all); line 0 holds the file-level codes."""
    found: Dict[int, FrozenSet[str]] = {}
    if "noqa" not in text and "retainlint" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        for match in _IGNORE_FILE.finditer(line):
            found[FILE_LINE] = found.get(FILE_LINE, frozenset()) | _codes(match.group("codes"))
        codes: FrozenSet[str] = frozenset()
        for pattern in (_IGNORE, _NOQA):
            for match in pattern.finditer(line):
                codes |= _codes(match.group("codes"))
        if codes:
            found[number] = codes
    return found


def _matching(codes: FrozenSet[str], code: str) -> Optional[str]:
    if ALL in codes:
        return ALL
    return next((c for c in sorted(codes) if code.startswith(c)), None)


@dataclass
class SuppressionTracker:
    """Decides whether a finding is suppressed and remembers which comments did something."""

    used: Set[Tuple[str, int, str]] = field(default_factory=set)

    def suppressed(self, path: str, suppressions: Dict[int, FrozenSet[str]], statement_start: int,
                   line: int, code: str) -> bool:
        for where in dict.fromkeys((line, statement_start, FILE_LINE)):
            codes = suppressions.get(where)
            if codes:
                selector = _matching(codes, code)
                if selector is not None:
                    self.used.add((path, where, selector))
                    return True
        return False

    def unused(self, path: str, suppressions: Dict[int, FrozenSet[str]]):
        """(line, codes) of retainlint suppressions that suppressed nothing.  Bare ``# noqa`` and
        other tools' codes are not ours to judge."""
        for line, codes in sorted(suppressions.items()):
            ours = {c for c in codes if c.startswith("RL")}
            idle = sorted(c for c in ours if (path, line, c) not in self.used)
            if idle:
                yield line, idle
