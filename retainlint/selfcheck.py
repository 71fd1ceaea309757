"""One program through everything a run does with it, for the fuzzers (tests/test_fuzz.py and
bench/fuzz.py): extraction, the cache's encoding both ways, every check.  A :class:`FileError`
(a syntax error, a statement over the budget) is an answer; any exception is a bug.
"""

from __future__ import annotations

import json
from typing import Optional, Union

from retainlint.codec import decode, encode
from retainlint.engine import analyse
from retainlint.extract import FileError, extract_source
from retainlint.facts import ModuleFacts
from retainlint.knowledge import Knowledge, load_knowledge
from retainlint.lines import count_lines
from retainlint.registry import all_rules

_KNOWLEDGE: Optional[Knowledge] = None


def knowledge() -> Knowledge:
    global _KNOWLEDGE
    if _KNOWLEDGE is None:
        _KNOWLEDGE = load_knowledge()
    return _KNOWLEDGE


class SelfCheckFailed(AssertionError):
    """Facts that contradict themselves: a bug even though nothing raised."""


def check_program(source: str, module: str = "fuzzed") -> Union[ModuleFacts, FileError]:
    """Run one program through retainlint; raises on any internal error."""
    facts = extract_source(source, f"{module}.py", module, knowledge())
    if isinstance(facts, FileError):
        return facts
    lines = count_lines(source)
    for name in ("functions", "classes", "containers", "mutations", "listeners", "holds"):
        for record in getattr(facts, name):
            span = record.span
            if not (1 <= span.line <= max(lines, 1) and span.line <= span.end_line <= max(lines, 1)):
                raise SelfCheckFailed(f"{name} span {span} outside the file's {lines} lines")
    if decode(ModuleFacts, json.loads(json.dumps(encode(ModuleFacts, facts)))) != facts:
        raise SelfCheckFailed("the cache's encoding does not give the same facts back")
    analyse([facts], knowledge(), sorted(all_rules()))
    return facts
