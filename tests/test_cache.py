"""The per-file facts cache: a warm run parses nothing unchanged, a changed file is parsed again,
and the cache is data that is checked, never code: whatever an entry holds, it is only a miss."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
import tracemalloc
from pathlib import Path

import pytest

from retainlint import engine
from retainlint.cache import CACHE_DIR, MAX_ENTRY_BYTES, PRUNE_AFTER_DAYS, FactsCache
from retainlint.config import Settings
from tests.conftest import write_files

FILES = {
    "pkg/__init__.py": "",
    "pkg/registry.py": "RUNS = {}\n",
    "pkg/api.py": "from pkg.registry import RUNS\n\ndef start(run):\n    RUNS[run.id] = run\n    run.go()\n",
}


def _run(tmp_path, **kwargs):
    return engine.run([str(tmp_path / "pkg")], Settings(root=tmp_path, **kwargs), jobs=1)


def _entries(tmp_path):
    return sorted((tmp_path / CACHE_DIR / "facts").glob("*/*.json"))


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


def test_entries_are_versioned_json(tmp_path):
    write_files(tmp_path, FILES)
    _run(tmp_path)
    entries = _entries(tmp_path)
    assert len(entries) == 3
    header, payload = entries[0].read_bytes().split(b"\n", 1)
    assert json.loads(header) == {"tool": "retainlint", "format": 2, "sha256": hashlib.sha256(payload).hexdigest()}
    assert isinstance(json.loads(payload), list)


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


class _Planted:
    """A pickle payload that would create a file if anything ever unpickled it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code ran"))


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x20]) + data[index + 1:]


def _entry(payload: bytes, **header) -> bytes:
    """An entry with a digest that matches: what someone who knows the format could plant."""
    fields = {"tool": "retainlint", "format": 2, "sha256": hashlib.sha256(payload).hexdigest(), **header}
    return json.dumps(fields).encode() + b"\n" + payload


def _payloads(marker: Path, real: bytes):
    payload = real.split(b"\n", 1)[1]
    wrong = json.loads(payload)
    wrong[-1] = True  # ``lines`` must be an int, not a bool
    misshapen = json.loads(payload)
    misshapen[2] = ["x"]  # a string where a FunctionFact goes
    return {
        "pickle that runs code": pickle.dumps(_Planted(marker)),
        "pickle after a valid header": _entry(pickle.dumps(_Planted(marker))),
        "random bytes": os.urandom(4096),
        "truncated": real[: len(real) // 2],
        "flipped bytes": _flip(_flip(real, len(real) // 3), len(real) // 2),
        "deep nesting": _entry(b"[" * 200_000 + b"]" * 200_000),
        "wrong types": _entry(json.dumps(wrong).encode()),
        "old format version": _entry(payload, format=1),
        "extra keys": _entry(payload, x=1),
        "a string where a record goes": _entry(json.dumps(misshapen).encode()),
        "big within the file limit": _entry(b"[" + b"0," * 3_000_000 + b"0]"),
    }


def _run_traced(root):
    """A cached run and the peak of the memory Python allocated for it (tracemalloc: the same on
    every machine, unlike the process's resident size)."""
    tracemalloc.start()
    try:
        result = _run(root)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", ["pickle that runs code", "pickle after a valid header", "random bytes", "truncated", "flipped bytes",
                                  "deep nesting", "wrong types", "old format version", "extra keys",
                                  "a string where a record goes", "big within the file limit"])
def test_planted_entries_are_misses_that_run_nothing(tmp_path, name):
    write_files(tmp_path, FILES)
    expected = _run(tmp_path, cache=False).findings
    _run(tmp_path)
    marker = tmp_path / "pwned"
    entries = _entries(tmp_path)
    payload = _payloads(marker, entries[-1].read_bytes())[name]
    for entry in entries:
        entry.write_bytes(payload)
    result, peak = _run_traced(tmp_path)
    assert not marker.exists(), "an entry's content must never run"
    assert result.findings == expected and not result.errors
    assert peak < 40 * 1024 * 1024, f"{peak:,} bytes traced for three tiny files"


def test_huge_entry_is_not_read(tmp_path, monkeypatch):
    write_files(tmp_path, FILES)
    expected = _run(tmp_path, cache=False).findings
    _run(tmp_path)
    for entry in _entries(tmp_path):
        with open(entry, "wb") as handle:  # sparse: costs no disk, would cost memory if read
            handle.truncate(4 * MAX_ENTRY_BYTES)
    result, peak = _run_traced(tmp_path)
    assert result.findings == expected
    assert peak < 40 * 1024 * 1024


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_or_symlink_entry_is_not_opened(tmp_path):
    write_files(tmp_path, FILES)
    expected = _run(tmp_path, cache=False).findings
    _run(tmp_path)
    first, second, *_ = _entries(tmp_path)
    first.unlink()
    os.mkfifo(first)  # opening it for reading would block for ever
    second.unlink()
    second.symlink_to("/dev/zero")
    assert _run(tmp_path).findings == expected


def test_symlinked_cache_folder_is_never_written_through(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    project = tmp_path / "project"
    write_files(project, FILES)
    (project / CACHE_DIR).symlink_to(elsewhere)
    assert len(_run(project).findings) == 1
    assert list(elsewhere.iterdir()) == []


def test_unused_entries_are_pruned_once_a_day(tmp_path):
    write_files(tmp_path, FILES)
    _run(tmp_path)
    old, *fresh = _entries(tmp_path)
    long_ago = time.time() - (PRUNE_AFTER_DAYS + 1) * 24 * 3600
    os.utime(old, (long_ago, long_ago))
    legacy = old.parent / ("0" * 64 + ".pickle")
    legacy.write_bytes(b"from an older retainlint")
    os.utime(legacy, (time.time() - 7200, time.time() - 7200))
    cache = FactsCache(tmp_path, {})
    assert cache.prune() == 0, "pruned already today, by the run"
    os.utime(cache.folder / "last-prune", (long_ago, long_ago))
    assert cache.prune() == 2
    assert _entries(tmp_path) == fresh and not legacy.exists()


def test_used_entries_are_kept_fresh(tmp_path):
    write_files(tmp_path, FILES)
    _run(tmp_path)
    long_ago = time.time() - (PRUNE_AFTER_DAYS + 1) * 24 * 3600
    for entry in _entries(tmp_path):
        os.utime(entry, (long_ago, long_ago))
    _run(tmp_path)  # a warm run uses every entry
    assert all(entry.stat().st_mtime > long_ago + 3600 for entry in _entries(tmp_path))


def test_clean_removes_the_cache(tmp_path, invoke):
    write_files(tmp_path, FILES)
    (tmp_path / ".git").mkdir()
    _run(tmp_path)
    result = invoke("clean", tmp_path / "pkg")
    assert result.exit_code == 0
    assert not (tmp_path / CACHE_DIR).exists()
    assert "Removed" in result.stderr
    again = invoke("clean", tmp_path)
    assert again.exit_code == 0 and "No cache" in again.stderr


def test_clean_removes_a_symlinked_cache_without_following_it(tmp_path, invoke):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".git").mkdir()
    (project / CACHE_DIR).symlink_to(elsewhere)
    assert invoke("clean", project).exit_code == 0
    assert not os.path.lexists(project / CACHE_DIR) and (elsewhere / "keep.txt").exists()
