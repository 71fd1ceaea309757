"""Findings that depend on more than one module of a project (a rule example is one file)."""

from __future__ import annotations

from tests.conftest import check_files

STATE = "telemetry = []\n"

HANDLERS = """\
from pkg import state


def record(request):
    state.telemetry += [{"path": request.path}]
"""

FLUSH = """\
from pkg import state


def upload():
    if not state.telemetry:
        return
    send(state.telemetry)
    state.telemetry = []


def send(batch):
    print(len(batch))
"""


def test_a_module_global_rebound_empty_through_its_module_is_released(tmp_path):
    """khoj's ``state.telemetry``: requests add to it, a periodic upload rebinds it to ``[]``
    after ``from khoj.utils import state``.  Rebinding another *object's* slot builds that object
    (``rv._items = …``); rebinding a *module's* global empties the one container (RL301 FALSE)."""
    files = {"pkg/__init__.py": "", "pkg/state.py": STATE, "pkg/handlers.py": HANDLERS, "pkg/flush.py": FLUSH}
    assert check_files(tmp_path, files, min_confidence="low") == []


def test_a_module_global_nothing_rebinds_still_grows(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/state.py": STATE, "pkg/handlers.py": HANDLERS}
    assert [f.code for f in check_files(tmp_path, files, min_confidence="low")] == ["RL301"]
