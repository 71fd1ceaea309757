"""Access to the data files of ``rules/`` (installed as the package ``retainlint._rules``)."""

from __future__ import annotations

from importlib import resources
from typing import List


def read_rules_text(name: str) -> str:
    return resources.files("retainlint._rules").joinpath(name).read_text(encoding="utf-8")


def rule_file_names() -> List[str]:
    """The per-rule documentation files, ``RL101.toml`` …, in code order."""
    names = [entry.name for entry in resources.files("retainlint._rules").iterdir()]
    return sorted(n for n in names if n.startswith("RL") and n.endswith(".toml"))
