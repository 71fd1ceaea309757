"""Pausing Python's cyclic garbage collector while retainlint builds millions of objects.

A libcst tree, the facts of a large project and the reference graph are millions of small
objects and no (or few) reference cycles.  The collector's full passes rescan every live object,
and they come more often the more is allocated, so with a growing heap they cost time that grows
faster than the work: 40 % of extracting a large file, most of linking 8,000 modules.  Reference
counting still frees whatever is dropped; cycles wait for the collector to resume.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
