"""The per-file facts cache: a warm run parses nothing unchanged, a changed file is parsed again,
and a broken cache is only a miss."""

from __future__ import annotations

from retainlint import engine
from retainlint.cache import CACHE_DIR
from retainlint.config import Settings
from tests.conftest import write_files

FILES = {
    "pkg/__init__.py": "",
    "pkg/registry.py": "RUNS = {}\n",
    "pkg/api.py": "from pkg.registry import RUNS\n\ndef start(run):\n    RUNS[run.id] = run\n    run.go()\n",
}


def _run(tmp_path, **kwargs):
    return engine.run([str(tmp_path / "pkg")], Settings(root=tmp_path, **kwargs), jobs=1)


def _count_extractions(monkeypatch):
    calls = []
    real = engine.extract_file

    def counting(path, *args, **kwargs):
        calls.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(engine, "extract_file", counting)
    return calls


def test_warm_run_parses_nothing_and_finds_the_same(tmp_path, monkeypatch):
    write_files(tmp_path, FILES)
    cold = _run(tmp_path)
    assert (tmp_path / CACHE_DIR / ".gitignore").read_text().strip().endswith("*")
    calls = _count_extractions(monkeypatch)
    warm = _run(tmp_path)
    assert calls == []
    assert warm.findings == cold.findings and len(warm.findings) == 1


def test_changed_file_is_parsed_again_and_still_linked(tmp_path, monkeypatch):
    write_files(tmp_path, FILES)
    _run(tmp_path)
    (tmp_path / "pkg" / "api.py").write_text(FILES["pkg/api.py"] + "\ndef stop(run):\n    RUNS.pop(run.id)\n")
    calls = _count_extractions(monkeypatch)
    assert _run(tmp_path).findings == []
    assert calls == ["api.py"]


def test_no_cache_neither_reads_nor_writes(tmp_path, monkeypatch):
    write_files(tmp_path, FILES)
    calls = _count_extractions(monkeypatch)
    _run(tmp_path, cache=False)
    _run(tmp_path, cache=False)
    assert not (tmp_path / CACHE_DIR).exists()
    assert len(calls) == 6


def test_corrupt_cache_entry_is_a_miss(tmp_path):
    write_files(tmp_path, FILES)
    cold = _run(tmp_path)
    for entry in (tmp_path / CACHE_DIR).rglob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert _run(tmp_path).findings == cold.findings
