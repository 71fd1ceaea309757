"""Peak memory and time of checking one pathological file: the per-file budget's benchmark.

    python bench/memory.py [generated|functions|literal|all] [--keep DIR]

Generates the three files of issue 8 and checks each in a fresh ``retainlint check --no-cache``
process, printing its maximum resident set size and wall time:

* ``generated`` — a 7.9 MB generated module (classes, methods, helpers, tables), under the
  8 MiB file limit;
* ``functions`` — 100,000 one-line functions (2.4 MB);
* ``literal`` — one list literal of 300,000 elements.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UNIT = '''
class Service{i}(Base):
    """Generated service {i}."""

    registry = {{}}

    def __init__(self, emitter, name="s{i}"):
        self.items = []
        self.index = {{}}
        self.name = name
        emitter.on("event", self.handle)

    def handle(self, event):
        self.items.append(event)
        self.index[event.key] = event
        if len(self.items) > {i} + 100:
            self.items.pop(0)
        return len(self.items)


def helper_{i}(data, *, flag=False):
    total = 0
    for value in data:
        if value > {i}:
            total += value * 2
    return {{"total": total, "flag": flag, "id": {i}}}


TABLE_{i} = {{"a": {i}, "b": [{i}, {i} + 1, {i} + 2], "c": ("x", "y")}}
'''


def generated(target_bytes: int = 7_900_000) -> str:
    parts, size, index = ["from base import Base\n"], 0, 0
    while size < target_bytes:
        part = UNIT.format(i=index)
        parts.append(part)
        size += len(part)
        index += 1
    return "".join(parts)


def functions(count: int = 100_000) -> str:
    return "".join(f"def f_{i:06d}(): return {i}\n" for i in range(count))


def literal(count: int = 300_000) -> str:
    return "DATA = [\n" + "".join(f"    {i},\n" for i in range(count)) + "]\n"


FILES = {"generated": generated, "functions": functions, "literal": literal}


def measure(path: Path) -> tuple:
    """(max RSS in MB, seconds) of one check of the file in a process of its own."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "retainlint", "check", str(path), "--no-cache", "--exit-zero",
                                "-q"], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)  # this child's own peak, not the largest child's so far
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"retainlint failed on {path} with exit code {process.returncode}")
    return usage.ru_maxrss / 1024, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="?", default="all", choices=["all", *FILES])
    parser.add_argument("--keep", type=Path, help="write the files here instead of a temporary folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="retainlint-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES if args.which == "all" else [args.which]:
        path = folder / f"{name}.py"
        path.write_text(FILES[name](), encoding="utf-8")
        megabytes, seconds = measure(path)
        print(f"{name:10} {path.stat().st_size / 1e6:5.1f} MB source: peak RSS {megabytes:7.0f} MB, {seconds:6.1f} s")


if __name__ == "__main__":
    main()
