"""Extraction and whole-run speed, and peak memory, on a source tree.

    python bench/speed.py [PATH]          # default: the unpacked django wheel of bench/real_code.py

Prints lines per second for libcst parsing alone (the floor), for retainlint's extraction on one
core, and for whole ``retainlint check`` runs with every core — cold (``--no-cache``) and warm
(facts from the cache, after one run that fills it); and the peak memory of a run, which stays
near that of the largest single file because no tree outlives its file.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import libcst as cst

from retainlint.extract import extract_source
from retainlint.knowledge import load_knowledge

DEFAULT = Path.home() / ".cache" / "retainlint-real-code" / "django-5.2.8" / "django"


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    sources = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(root.rglob("*.py"))]
    lines = sum(text.count("\n") for text in sources)
    print(f"{root}: {len(sources)} files, {lines} lines, {os.cpu_count()} CPUs")

    start = time.perf_counter()
    for text in sources:
        cst.parse_module(text)
    parse = time.perf_counter() - start
    print(f"libcst parse only, 1 core:      {lines / parse:8.0f} lines/s")

    knowledge = load_knowledge()
    start = time.perf_counter()
    for index, text in enumerate(sources):
        extract_source(text, f"f{index}.py", f"m{index}", knowledge)
    extract = time.perf_counter() - start
    print(f"retainlint extraction, 1 core:  {lines / extract:8.0f} lines/s")

    command = ["retainlint", "check", str(root), "--exit-zero", "--quiet", "--output-format", "json"]
    start = time.perf_counter()
    subprocess.run(command + ["--no-cache"], stdout=subprocess.DEVNULL, check=True)
    cold = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"retainlint check, cold, all cores: {lines / cold:8.0f} lines/s ({cold:.1f} s)")
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    warm = time.perf_counter() - start
    print(f"retainlint check, warm cache:      {lines / warm:8.0f} lines/s ({warm:.1f} s)")
    print(f"peak memory of one check process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
