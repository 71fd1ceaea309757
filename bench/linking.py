"""How linking and checking scale with the number of modules.

    python bench/linking.py [--sizes 2500 5000 10000 20000]

Generates a project of N modules (classes with buffers and listeners, registries, imports across
modules, a few shared bases), extracts every module once, then times linking and checking alone
(``engine.analyse`` plus fingerprints) at each size, and prints the growth per doubling: 2.0 is
linear.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from retainlint.collector import collector_paused
from retainlint.engine import analyse
from retainlint.extract import extract_source
from retainlint.fingerprint import with_fingerprints
from retainlint.knowledge import load_knowledge
from retainlint.registry import all_rules

MODULE = '''
from pkg.base{base} import Base{base}
from pkg.m{other} import Service{other}
import pkg.events as events

REGISTRY = {{}}
_SEEN = set()


class Service{i}(Base{base}):
    cache = {{}}

    def __init__(self, bus):
        self.items = []
        self.peer = Service{other}(bus)
        self.parent = None
        bus.on("event", self.handle)

    def handle(self, event):
        self.items.append(event)
        REGISTRY[event.key] = self
        self.peer.parent = self

    def close(self):
        self.items.clear()


def start(bus, key):
    service = Service{i}(bus)
    _SEEN.add(key)
    events.BUS.on("tick", service.handle)
    return service
'''
BASES = 20


def sources(count: int):
    yield "pkg/events.py", "class Bus:\n    def on(self, name, fn):\n        pass\n\nBUS = Bus()\n"
    for base in range(BASES):
        yield f"pkg/base{base}.py", f"import threading\n\nclass Base{base}(threading.Thread):\n    pass\n"
    for i in range(count):
        yield f"pkg/m{i}.py", MODULE.format(i=i, base=i % BASES, other=i ^ 1)  # pairs: chains stay short


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_500, 5_000, 10_000, 20_000])
    args = parser.parse_args()
    knowledge = load_knowledge()
    codes = sorted(all_rules())
    largest = max(args.sizes)
    facts = {}
    start = time.perf_counter()
    for path, text in sources(largest):
        facts[path] = extract_source(text, path, path[:-3].replace("/", "."), knowledge)
    print(f"extracted {len(facts)} modules in {time.perf_counter() - start:.0f} s")
    previous = None
    for size in sorted(args.sizes):
        # A module may import one past this size: that name stays unresolved, as an external one would.
        modules = [m for path, m in facts.items() if not path.startswith("pkg/m") or int(path[5:-3]) < size]
        start = time.perf_counter()
        with collector_paused():  # as engine.run does
            findings = analyse(modules, knowledge, codes)
            with_fingerprints(findings, modules, Path("."))
        elapsed = time.perf_counter() - start
        growth = f"  x{elapsed / previous:.2f} per doubling" if previous else ""
        print(f"{size:6} modules: link and check {elapsed:6.1f} s, {len(findings)} findings{growth}")
        previous = elapsed


if __name__ == "__main__":
    main()
