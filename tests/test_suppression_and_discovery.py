"""Inline suppressions, and which files a run picks up."""

from __future__ import annotations

import json

from tests.conftest import check_files, write_files


def test_retainlint_ignore_and_noqa(tmp_path):
    findings = check_files(tmp_path, {"a.py": """
        _A = {}
        _B = {}
        _C = {}
        _D = {}

        def put(request_id):
            _A[request_id] = 1  # retainlint: ignore[RL301]
            _B[request_id] = 1  # noqa: RL301
            _C[request_id] = 1  # noqa: RL2
            _D[request_id] = 1  # retainlint: ignore
    """})
    assert [(f.span.line, f.code) for f in findings] == [(9, "RL301")]


def test_skips_venvs_build_and_gitignored(tmp_path, invoke):
    hazard = "_SEEN = set()\ndef handle(request):\n    _SEEN.add(request.key)\n"
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
    hazard = "_SEEN = set()\ndef handle(request):\n    _SEEN.add(request.key)\n"
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
        "pkg/other.py": "_SEEN = set()\n\ndef handle(request):\n    _SEEN.add(request.key)\n",
    })
    (tmp_path / ".git").mkdir()
    result = invoke("check", tmp_path / "pkg" / "api.py", "--output-format", "json")
    assert json.loads(result.stdout) == [], "the pop in cleanup.py counts although cleanup.py was not named"
    result = invoke("check", tmp_path / "pkg" / "api.py", tmp_path / "pkg" / "other.py", "--output-format", "json")
    assert [d["filename"].rsplit("/", 1)[-1] for d in json.loads(result.stdout)] == ["other.py"]
