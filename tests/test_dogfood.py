"""retainlint on itself: nothing to report, and no syntax tree outlives its file."""

from __future__ import annotations

import gc
from pathlib import Path

import libcst as cst

from retainlint.config import Settings
from retainlint.engine import run

PACKAGE = Path(__file__).resolve().parent.parent / "retainlint"


def test_retainlint_reports_nothing_on_its_own_source():
    result = run([str(PACKAGE)], Settings(root=PACKAGE.parent), jobs=1)
    assert result.errors == []
    assert [f"{f.path}:{f.span.line}: {f.code} {f.message}" for f in result.findings] == []


def test_no_syntax_tree_is_retained_after_a_run():
    result = run([str(PACKAGE)], Settings(root=PACKAGE.parent), jobs=1)
    assert result.files > 10
    gc.collect()
    trees = [o for o in gc.get_objects() if isinstance(o, cst.Module) and o.body]
    assert trees == [], f"{len(trees)} parsed modules still alive after the run"
