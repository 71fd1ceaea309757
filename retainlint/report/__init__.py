"""Output formats.  A formatter is a function ``(RunResult, ReportContext) -> str`` registered by
name with :func:`formatter`; adding a format is adding one module here and listing it below."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List

from retainlint.fingerprint import relative_path

FORMATTERS: Dict[str, Callable] = {}
_MODULES = ("text", "json_format", "github", "sarif", "junit", "gitlab")


@dataclass(frozen=True)
class ReportContext:
    root: Path  # paths in reports that need them relative (SARIF, GitLab) are relative to this

    def relative(self, path: str) -> str:
        return relative_path(path, self.root)


def formatter(*names: str) -> Callable[[Callable], Callable]:
    def register(function: Callable) -> Callable:
        for name in names:
            FORMATTERS[name] = function
        return function

    return register


def format_names() -> List[str]:
    for module in _MODULES:
        importlib.import_module(f"retainlint.report.{module}")
    return sorted(FORMATTERS)


def render(name: str, result, context: ReportContext) -> str:
    format_names()
    return FORMATTERS[name](result, context)
