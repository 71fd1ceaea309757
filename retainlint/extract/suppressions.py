"""Inline suppression comments: ``# retainlint: ignore[RL201]`` and ``# noqa: RL201``.

Scanned from the raw lines rather than the tree so that a comment on any physical line counts;
a bare ``# noqa`` or ``# retainlint: ignore`` suppresses every code on its line.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet

ALL = "*"
_IGNORE = re.compile(r"#\s*retainlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)


def _codes(group) -> FrozenSet[str]:
    if not group:
        return frozenset({ALL})
    return frozenset(c.strip().upper() for c in re.split(r"[\s,]+", group) if c.strip())


def scan_suppressions(text: str) -> Dict[int, FrozenSet[str]]:
    found: Dict[int, FrozenSet[str]] = {}
    if "noqa" not in text and "retainlint" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        codes = frozenset()
        for pattern in (_IGNORE, _NOQA):
            for match in pattern.finditer(line):
                codes |= _codes(match.group("codes"))
        if codes:
            found[number] = codes
    return found


def is_suppressed(suppressions: Dict[int, FrozenSet[str]], line: int, code: str) -> bool:
    codes = suppressions.get(line)
    if not codes:
        return False
    return ALL in codes or any(code.startswith(c) for c in codes)
