"""Inline suppressions, and which files a run picks up."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import check_files, write_files


def test_retainlint_ignore_and_noqa(tmp_path):
    findings = check_files(tmp_path, {"a.py": """
        _A = {}
        _B = {}
        _C = {}
        _D = {}

        def put(request_id, trace_id, span_id, run_id):
            _A[request_id] = 1  # retainlint: ignore[RL301]
            _B[trace_id] = 1  # noqa: RL301
            _C[span_id] = 1  # noqa: RL2
            _D[run_id] = 1  # retainlint: ignore
    """})
    assert [(f.span.line, f.code) for f in findings] == [(9, "RL301")]


def test_skips_venvs_build_and_gitignored(tmp_path, invoke):
    hazard = "_SEEN = set()\ndef handle(request):\n    _SEEN.add(request.id)\n"
    write_files(tmp_path, {
        "src/app.py": hazard,
        "build/lib/app.py": hazard,
        "node_modules/x/app.py": hazard,
        "env/lib/app.py": hazard,
        "generated/app.py": hazard,
        "keep/app.py": hazard,
        "stub.pyi": hazard,
        "notes.txt": hazard,
    })
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/\n*.log\n")
    result = invoke("check", tmp_path, "--output-format", "json")
    files = sorted(d["filename"].replace(str(tmp_path) + "/", "") for d in json.loads(result.stdout))
    assert files == ["keep/app.py", "src/app.py", "stub.pyi"]


def test_gitignore_negation(tmp_path, invoke):
    hazard = "_SEEN = set()\ndef handle(request):\n    _SEEN.add(request.id)\n"
    write_files(tmp_path, {"gen/a.py": hazard, "gen/keep.py": hazard})
    (tmp_path / ".gitignore").write_text("gen/*\n!gen/keep.py\n")
    result = invoke("check", tmp_path, "--output-format", "json")
    assert [d["filename"].rsplit("/", 1)[-1] for d in json.loads(result.stdout)] == ["keep.py"]


def test_cross_module_shrink_is_seen(tmp_path):
    findings = check_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/registry.py": "RUNS = {}\n",
        "pkg/api.py": "from .registry import RUNS\n\ndef start(run):\n    RUNS[run.id] = run\n",
        "pkg/cleanup.py": "from pkg.registry import RUNS\n\ndef done(run):\n    RUNS.pop(run.id, None)\n",
    })
    assert findings == []


def test_cross_module_growth_is_reported_where_it_happens(tmp_path):
    findings = check_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/registry.py": "RUNS = {}\n",
        "pkg/api.py": "from .registry import RUNS\n\ndef start(run):\n    RUNS[run.id] = run\n",
    })
    assert [(f.path.rsplit("/", 1)[-1], f.span.line, f.code) for f in findings] == [("api.py", 4, "RL301")]


def test_named_files_are_linked_against_their_project(tmp_path, invoke):
    """pre-commit passes only the changed files; the registry's shrink lives in another file."""
    import json

    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/registry.py": "RUNS = {}\n",
        "pkg/api.py": "from pkg.registry import RUNS\n\ndef start(run):\n    RUNS[run.id] = run\n    run.go()\n",
        "pkg/cleanup.py": "from pkg.registry import RUNS\n\ndef done(run):\n    RUNS.pop(run.id, None)\n",
        "pkg/other.py": "_SEEN = set()\n\ndef handle(request):\n    _SEEN.add(request.id)\n",
    })
    (tmp_path / ".git").mkdir()
    result = invoke("check", tmp_path / "pkg" / "api.py", "--output-format", "json")
    assert json.loads(result.stdout) == [], "the pop in cleanup.py counts although cleanup.py was not named"
    result = invoke("check", tmp_path / "pkg" / "api.py", tmp_path / "pkg" / "other.py", "--output-format", "json")
    assert [d["filename"].rsplit("/", 1)[-1] for d in json.loads(result.stdout)] == ["other.py"]


def test_suppression_text_inside_strings_is_not_a_comment(tmp_path):
    findings = check_files(tmp_path, {"a.py": '''
        """Tools for this module.

        # retainlint: ignore-file
        """
        _A = set()
        _B = set()

        def handle(request):
            _A.add(request.id); note = "# noqa"
            _B.add(request.id); note = "# retainlint: ignore[RL301]"  # a real comment without a marker
    '''})
    assert [(f.span.line, f.code) for f in findings] == [(9, "RL301"), (10, "RL301")]


def test_suppression_comment_after_a_string_with_a_hash(tmp_path):
    findings = check_files(tmp_path, {"a.py": '''
        _A = set()

        def handle(request):
            _A.add(request.id); note = "#"  # noqa: RL301
    '''})
    assert findings == []


HAZARD = "_SEEN = set()\ndef handle(request):\n    _SEEN.add(request.id)\n"


def _check_in_subprocess(*args, cwd):
    """A separate process with a timeout: a run that blocks on a FIFO fails the test, not CI."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "retainlint", "check", "--no-cache", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_the_tree_is_skipped_with_one_line(tmp_path):
    write_files(tmp_path, {"pkg/good.py": HAZARD})
    os.mkfifo(tmp_path / "pkg" / "pipe.py")
    result = _check_in_subprocess("pkg", "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"pkg{os.sep}pipe.py:1:1: error: not a regular file (a FIFO, socket or "
                                          f"device): skipped"]
    assert "good.py:3:5: RL301" in result.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_elsewhere_in_the_project_when_files_are_named(tmp_path):
    """pre-commit names the changed files; the rest of the project is walked for linking."""
    write_files(tmp_path, {"pkg/good.py": HAZARD, "pkg/other.py": "x = 1\n"})
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / "pkg" / "pipe.py")
    result = _check_in_subprocess("pkg/good.py", "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 1 and "good.py:3:5: RL301" in result.stdout
    named = _check_in_subprocess("pkg/pipe.py", "pkg/other.py", cwd=tmp_path)
    assert named.returncode == 1
    assert "pkg/pipe.py:1:1: error: not a regular file" in named.stderr


def test_symlink_loop_in_a_folder_gets_one_line(tmp_path, invoke):
    write_files(tmp_path, {"good.py": HAZARD})
    os.symlink("loop.py", tmp_path / "loop.py")
    os.symlink("b.py", tmp_path / "a.py")
    os.symlink("a.py", tmp_path / "b.py")
    result = invoke("check", tmp_path, "--output-format", "json", "--no-cache")
    assert result.exit_code == 1
    assert sorted(line.rsplit(os.sep, 1)[-1] for line in result.stderr.splitlines()) == [
        f"{name}:1:1: error: symbolic link loop: cannot be resolved" for name in ("a.py", "b.py", "loop.py")]
    assert len(json.loads(result.stdout)) == 1


def _deny(monkeypatch, *denied):
    """What a non-root user meets on a folder or file with mode 000: nothing inside a denied
    folder can be looked at or listed, and a denied file cannot be opened."""
    denied = [os.path.abspath(d) for d in denied]

    def blocked(path, inside_only=False):
        path = os.path.abspath(os.fspath(path)) if not isinstance(path, int) else ""
        return any(path.startswith(d + os.sep) or (not inside_only and path == d) for d in denied)

    def guard(function, inside_only):
        def guarded(path, *args, **kwargs):
            if blocked(path, inside_only):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return function(path, *args, **kwargs)
        return guarded

    monkeypatch.setattr(os, "stat", guard(os.stat, inside_only=True))
    monkeypatch.setattr(os, "lstat", guard(os.lstat, inside_only=True))
    monkeypatch.setattr(os, "scandir", guard(os.scandir, inside_only=False))
    monkeypatch.setattr(os, "open", guard(os.open, inside_only=False))
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, *a, **k: not blocked(path) and real_access(path, mode, *a, **k))


def test_unreadable_folder_is_one_line_and_the_run_goes_on(tmp_path, invoke, monkeypatch):
    write_files(tmp_path, {"good.py": HAZARD, "locked/inner.py": HAZARD})
    _deny(monkeypatch, tmp_path / "locked")
    result = invoke("check", tmp_path, "--output-format", "json", "--no-cache")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("locked:1:1: error: cannot read the folder: permission denied")
    assert len(result.stderr.strip().splitlines()) == 1
    assert [d["filename"].rsplit(os.sep, 1)[-1] for d in json.loads(result.stdout)] == ["good.py"]


def test_unreadable_file_named_on_the_command_line(tmp_path, invoke, monkeypatch):
    write_files(tmp_path, {"good.py": HAZARD, "secret.py": HAZARD})
    _deny(monkeypatch, tmp_path / "secret.py")
    result = invoke("check", tmp_path / "secret.py", tmp_path / "good.py", "--output-format", "json", "--no-cache")
    assert result.exit_code == 1
    assert "secret.py:1:1: error: permission denied: cannot read the file" in result.stderr
    assert [d["filename"].rsplit(os.sep, 1)[-1] for d in json.loads(result.stdout)] == ["good.py"]


def test_a_folder_named_venv_is_checked_unless_it_is_a_virtual_environment(tmp_path, invoke):
    """The standard library has a ``venv`` package; real environments have ``pyvenv.cfg``."""
    write_files(tmp_path, {"venv/__init__.py": HAZARD, "env/lib/app.py": HAZARD, ".venv/lib/app.py": HAZARD})
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    result = invoke("check", tmp_path, "--output-format", "json", "--no-cache")
    assert [d["filename"].replace(str(tmp_path) + os.sep, "") for d in json.loads(result.stdout)] == [
        os.path.join("venv", "__init__.py")]
