"""A run is never lost: exit codes exactly as documented, one line per problem, usage mistakes
that say so, and no traceback for a bad path, an interrupt or a bug in one file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from retainlint import engine
from retainlint.config import Settings
from retainlint.facts import Span
from retainlint.findings import Finding
from retainlint.report import ReportContext, render
from tests.conftest import write_files

HAZARD = "_SEEN = set()\n\ndef handle(request):\n    _SEEN.add(request.id)\n"


def test_empty_select_is_a_usage_error(tmp_path, invoke):
    write_files(tmp_path, {"a.py": HAZARD})
    result = invoke("check", tmp_path, "--select", "")
    assert result.exit_code == 2
    assert "--select: no rule selector given" in result.stderr


@pytest.mark.parametrize("entry, message", [
    ('{ name = "mylib.Ring", position = "0" }', "bounded-constructors[0].position: expected int, got str"),
    ('{ name = "mylib.Ring", argument = 3 }', "bounded-constructors[0].argument: expected str, got int"),
    ('{ name = "mylib.Ring", position = true }', "bounded-constructors[0].position: expected int, got bool"),
    ('{ name = "mylib.Ring", size = 3 }', "bounded-constructors[0].size: unknown key"),
    ('{ argument = "size" }', "bounded-constructors[0]: a bounded constructor needs 'name'"),
    ("3", "bounded-constructors[0]: expected a dotted name or a table"),
])
def test_bounded_constructor_entries_are_checked(tmp_path, invoke, entry, message):
    write_files(tmp_path, {"a.py": "from mylib import Ring\n\nclass C:\n    def __init__(self):\n"
                                   "        self.r = Ring(10)\n\n    def add(self, x):\n        self.r.append(x)\n"})
    (tmp_path / "pyproject.toml").write_text(f"[tool.retainlint.api]\nbounded-constructors = [{entry}]\n")
    result = invoke("check", tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_graph_to_a_missing_folder_is_one_line(tmp_path, invoke):
    write_files(tmp_path, {"a.py": HAZARD})
    result = invoke("graph", tmp_path, "-o", tmp_path / "missing" / "dir" / "x.dot")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"retainlint: error: {tmp_path / 'missing' / 'dir' / 'x.dot'}: cannot write the graph: No such file or directory"]


def test_prune_baseline_on_a_read_only_file_is_one_line(tmp_path, invoke, monkeypatch):
    write_files(tmp_path, {"a.py": HAZARD, "b.py": HAZARD.replace("_SEEN", "_OTHER")})
    baseline = tmp_path / "baseline.json"
    invoke("check", tmp_path, "--write-baseline", baseline)
    (tmp_path / "b.py").write_text("x = 1\n")
    original = baseline.read_text()
    real_write_text = type(baseline).write_text

    def read_only(self, *args, **kwargs):  # root may write anything: simulate a read-only file
        if self == baseline:
            raise PermissionError(13, "Permission denied", str(self))
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(type(baseline), "write_text", read_only)
    result = invoke("check", tmp_path, "--baseline", baseline, "--prune-baseline")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"retainlint: error: {baseline}: cannot rewrite the baseline: Permission denied")
    assert baseline.read_text() == original


def test_junit_is_valid_xml_whatever_the_message_holds():
    message = "holds \x01\x1b[31m\x7f\ufffe and a lone \ud800 surrogate"
    finding = Finding("RL301", message, "a\x0c.py", Span(1, 1, 1, 2), "high", "fix \x00 it")
    result = engine.RunResult(findings=[finding])
    root = ET.fromstring(render("junit", result, ReportContext(os.getcwd())))
    failure = root.find("./testsuite/testcase/failure")
    assert "\\x01" in failure.get("message") and "\\x1b[31m" in failure.get("message")


def test_jobs_are_capped_at_the_cpus_and_files(tmp_path, monkeypatch):
    asked = []
    real = engine.ProcessPoolExecutor

    def recording(max_workers, **kwargs):
        asked.append(max_workers)
        return real(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(engine, "ProcessPoolExecutor", recording)
    files = {f"m{i}.py": HAZARD.replace("_SEEN", f"_S{i}") for i in range(engine.PARALLEL_THRESHOLD + 2)}
    write_files(tmp_path, files)
    result = engine.run([str(tmp_path)], Settings(root=tmp_path, cache=False), jobs=1000)
    assert len(result.findings) == len(files)
    assert asked and asked[0] <= (os.cpu_count() or 1)
    assert engine.worker_count(1000, 3) <= 3 and engine.worker_count(None, 0) == 1


def test_a_bug_met_in_one_file_is_one_line_and_the_rest_is_checked(tmp_path, invoke, monkeypatch):
    from retainlint.extract.visitor import FactVisitor

    write_files(tmp_path, {"a.py": HAZARD, "boom.py": "class Boom:\n    pass\n"})
    real = FactVisitor.visit_ClassDef

    def buggy(self, node):
        if node.name.value == "Boom":
            raise KeyError("simulated bug")
        return real(self, node)

    monkeypatch.setattr(FactVisitor, "visit_ClassDef", buggy)
    result = invoke("check", tmp_path, "--output-format", "json", "--no-cache")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert f"boom.py:1:1: error: internal error: KeyError: 'simulated bug' (retainlint{os.sep}" in line
    assert "please report it at https://github.com/retainlint/retainlint/issues" in line
    assert [d["filename"].rsplit(os.sep, 1)[-1] for d in json.loads(result.stdout)] == ["a.py"]


def test_a_bug_while_linking_is_one_line_without_a_traceback(tmp_path, invoke, monkeypatch):
    write_files(tmp_path, {"a.py": HAZARD})

    def buggy(*args, **kwargs):
        raise ValueError("simulated")

    monkeypatch.setattr(engine, "analyse", buggy)
    result = invoke("check", tmp_path, "--no-cache")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("retainlint: while linking and checking: internal error: ValueError: simulated")


def test_interrupt_exits_130_without_a_traceback(tmp_path, invoke, monkeypatch):
    write_files(tmp_path, {"a.py": HAZARD})

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("retainlint.cli.run", interrupted)
    result = invoke("check", tmp_path)
    assert result.exit_code == 130
    assert result.stderr.strip() == "retainlint: interrupted"


def _wait_for_workers(process: subprocess.Popen) -> None:
    """Until the run has started its first worker process, so that the interrupt lands while
    the pool is starting or working, not in the interpreter's start-up (exit -2).  An interrupt
    while the pool forked was once dropped (the run went on to the end), and one while workers
    held their chunks took tens of seconds to end the run.  Where /proc does not list children,
    a fixed wait is all there is."""
    started = time.monotonic()
    children = f"/proc/{process.pid}/task/{process.pid}/children"
    if not os.path.exists(children):
        time.sleep(2.5)
    while os.path.exists(children) and time.monotonic() < started + 120 and process.poll() is None:
        with open(children) as listing:
            if listing.read().split():
                return
        time.sleep(0.005)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def _default_sigint_in_own_group() -> None:
    """In the child before it runs: Ctrl-C does its default (a shell that starts the suite in the
    background ignores SIGINT, and the run would inherit that), and the run and its workers form
    a process group of their own, so that the test can stop all of them if it must."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.setpgrp()


def test_sigint_during_a_parallel_run_exits_130(tmp_path):
    body = "".join(f"class C{i}:\n    def __init__(self):\n        self.x = []\n\n    def add(self, v):\n"
                   f"        self.x.append(v)\n\n" for i in range(300))
    write_files(tmp_path, {f"m{i}.py": body for i in range(400)})
    process = subprocess.Popen([sys.executable, "-m", "retainlint", "check", str(tmp_path), "--no-cache", "-q",
                                "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_default_sigint_in_own_group)
    try:
        _wait_for_workers(process)
        assert process.poll() is None, "the run should still be going"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:  # a run that ignored the interrupt must not outlive the test (with its workers)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130
    assert "Traceback" not in stderr and "retainlint: interrupted" in stderr


def test_a_function_of_many_guard_clauses_is_extracted_in_time(tmp_path):
    """3,000 ``if self.flag: return`` clauses in one function ran for more than 13 minutes once the
    early-return once-guard was looked for in every block: each clause re-read the rest of the
    block.  Now the block is read once, from the end (about 4 s); the timeout only catches a
    return of the quadratic behaviour."""
    clauses = "".join(f"        if self.flag{i}:\n            return\n        x.append({i})\n" for i in range(3_000))
    (tmp_path / "guards.py").write_text("class C:\n    def f(self, x):\n" + clauses)
    result = subprocess.run([sys.executable, "-m", "retainlint", "check", str(tmp_path), "--no-cache", "-q",
                             "--exit-zero"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_a_deep_inheritance_chain_is_linked_in_time(tmp_path):
    """2,000 classes each deriving from the one before took 85 s: Project.ancestors tested
    membership in a list and was recomputed for every question.  Now a few seconds; the timeout
    only catches a return of the quadratic (or worse) behaviour."""
    classes = ["class C0:\n    pass\n"] + [f"class C{i}(C{i - 1}):\n    def f(self, x):\n        self.items = []\n"
                                             for i in range(1, 2_000)]
    (tmp_path / "chain.py").write_text("\n".join(classes))
    result = subprocess.run([sys.executable, "-m", "retainlint", "check", str(tmp_path), "--no-cache", "-q"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
