"""The rule registry: each rule's documentation and examples (``rules/RLxxx.toml``) joined to the
check function that implements it (``retainlint/checks/``).

A check is registered with :func:`check`; :func:`all_rules` fails loudly if a rule has
documentation but no check or the other way round, so neither can be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from retainlint import HOMEPAGE
from retainlint._toml import load_toml_text
from retainlint.resources import read_rules_text, rule_file_names

CheckFunction = Callable[..., Iterable]
_CHECKS: Dict[str, CheckFunction] = {}


def check(code: str) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        _CHECKS[code] = function
        return function

    return register


@dataclass(frozen=True)
class Example:
    source: str
    note: str = ""
    confidence: str = "medium"  # the confidence the example is checked at: a rule reported low by
    # default shows its bad examples at "low"; good examples must stay silent at that level too


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    fix: str
    what: str
    why: str
    example: str
    instead: str
    bad: Tuple[Example, ...]
    good: Tuple[Example, ...]
    run: Optional[CheckFunction]  # None for rules the engine itself applies (RL001)

    @property
    def url(self) -> str:
        return f"{HOMEPAGE}/blob/main/rules/{self.code}.toml"


def _examples(entries) -> Tuple[Example, ...]:
    return tuple(Example(e["source"], e.get("note", ""), e.get("confidence", "medium")) for e in entries)


@lru_cache(maxsize=1)
def all_rules() -> Dict[str, Rule]:
    """Every rule, by code, in code order."""
    from retainlint import checks  # noqa: F401  (registers the checks)

    rules: Dict[str, Rule] = {}
    for name in rule_file_names():
        doc = load_toml_text(read_rules_text(name), f"rules/{name}")
        code = doc["code"]
        engine_level = doc.get("engine", False)  # found by the engine, not by a check (RL001)
        if code not in _CHECKS and not engine_level:
            raise RuntimeError(f"rules/{name} documents {code}, but no check implements it")
        rules[code] = Rule(code, doc["name"], doc["summary"], doc["fix"], doc["what"], doc["why"],
                           doc["example"], doc["instead"], _examples(doc.get("bad", [])),
                           _examples(doc.get("good", [])), _CHECKS.get(code))
    missing = sorted(set(_CHECKS) - set(rules))
    if missing:
        raise RuntimeError(f"checks without documentation in rules/: {', '.join(missing)}")
    return dict(sorted(rules.items()))


def matching_codes(selectors: Iterable[str]) -> List[str]:
    """Codes matched by selectors that are codes or prefixes (``RL2``, ``RL201``, ``ALL``)."""
    codes = list(all_rules())
    chosen = []
    for selector in selectors:
        selector = selector.strip().upper()
        chosen += [c for c in codes if selector == "ALL" or c.startswith(selector)]
    return sorted(set(chosen))
