"""Output formats.  A formatter is a function ``(RunResult) -> str`` registered by name; adding a
format is adding one module that calls :func:`formatter`."""

from __future__ import annotations

from typing import Callable, Dict

FORMATTERS: Dict[str, Callable] = {}


def formatter(name: str) -> Callable[[Callable], Callable]:
    def register(function: Callable) -> Callable:
        FORMATTERS[name] = function
        return function

    return register


def format_names():
    from retainlint.report import json_format, text  # noqa: F401  (register the formats)

    return sorted(FORMATTERS)


def render(name: str, result) -> str:
    format_names()
    return FORMATTERS[name](result)
