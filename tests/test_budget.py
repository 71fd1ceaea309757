"""The per-file memory budget: a large file is parsed in groups of top-level statements with big
constant literals blanked, and gives exactly the facts of the whole-file parse."""

from __future__ import annotations

import pytest

from retainlint.extract import FileError, budget, extract_source
from retainlint.facts import ModuleFacts
from retainlint.knowledge import load_knowledge

SAMPLE = '''"""A module whose facts depend on every top-level statement: imports used far below, a
method naming a class defined after it, listener results kept or not."""
import logging
from pkg.bus import BUS

TABLE = [{numbers}]; _SEEN = set()
NAMES = {{{pairs}}}
TAGS = ({strings},)


class Early:
    def __init__(self):
        self.later = Later()
        self.handle = BUS.on("x", self.on_x)
        BUS.on("y", self.on_y)
        self.rows = []

    def on_x(self, event):
        self.rows.append(event)  # noqa: RL101

    def on_y(self, event):
        self.rows.append(sorted(event))


@decorator(1)
def register(fn):
    _SEEN.add(fn)
    return fn


def use(values=[{numbers}]):
    log = logging.getLogger(f"x.{{id(values)}}")
    values.append(
        1)


class Later:
    items = []

    def add(self, x):
        self.items.append(x)
'''


def _sample() -> str:
    numbers = ", ".join(str(-i if i % 7 else i) for i in range(1_200))
    pairs = ", ".join(f"{i}: ('é{i}', {i}.5)" for i in range(1_200))
    strings = ", ".join(f"'s{i}'" for i in range(1_200))
    return SAMPLE.format(numbers=numbers, pairs=pairs, strings=strings)


def _facts(text: str) -> ModuleFacts:
    facts = extract_source(text, "m.py", "m", load_knowledge())
    assert isinstance(facts, ModuleFacts), facts
    return facts


def test_grouped_and_blanked_parse_gives_the_whole_parse_facts(monkeypatch):
    text = _sample()
    whole = _facts(text)
    monkeypatch.setattr(budget, "LEAN_BYTES", 0)
    monkeypatch.setattr(budget, "CHUNK_BYTES", 1)  # one group per top-level statement
    plan = budget.plan_parse(text)
    assert len(plan.chunks) > 5 and len(plan.text) == len(text) and plan.text != text
    assert plan.text.count("\n") == text.count("\n")
    lean = _facts(text)
    assert lean == whole
    assert any(m.ref.name == "rows" for m in lean.mutations) and lean.suppressions


def test_literals_with_names_are_kept():
    text = "X = [" + ", ".join(f"a{i}" for i in range(1_500)) + "]\n"
    positions = budget.Offsets(text)
    assert budget.constant_literal_interiors(__import__("ast").parse(text), positions) == []


def test_statement_over_the_budget_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(budget, "LEAN_BYTES", 0)
    monkeypatch.setattr(budget, "MAX_STATEMENT_BYTES", 10_000)
    text = "x = 1\n\nclass Huge:\n" + "".join(f"    def m{i}(self): return {i}\n" for i in range(1_000))
    error = extract_source(text, "m.py", "m", load_knowledge())
    assert isinstance(error, FileError)
    assert error.render().startswith("m.py:3:1: error: statement too large to analyse (")


def test_many_statements_are_parsed_in_bounded_groups():
    """What keeps the memory down is structural: no group libcst parses is much over CHUNK_BYTES.
    The memory itself is measured in bench/memory.py, never asserted here (it is the machine's)."""
    source = "".join(f"def f_{i:06d}(): return {i}\n" for i in range(40_000))
    plan = budget.plan_parse(source)
    assert plan is not None and plan.too_large is None and len(plan.chunks) > 1
    assert all(end - begin <= budget.CHUNK_BYTES + 64 for begin, end in plan.chunks)
    assert plan.text == source


def test_a_big_constant_literal_reaches_the_parser_blanked():
    source = "DATA = [\n" + "".join(f"    {i},\n" for i in range(100_000)) + "]\n"
    plan = budget.plan_parse(source)
    assert plan is not None and plan.too_large is None
    assert plan.text.count("\n") == source.count("\n") and len(plan.text) == len(source)
    assert len("".join(plan.text.split())) < 100
