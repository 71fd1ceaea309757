"""A per-file cache of extracted facts, keyed by the file's content.

Facts are plain data, so a file whose bytes (and module name) have not changed need not be parsed
again: a run over a large project after a one-file change parses one file and still links
against every other.  The key also covers retainlint's version and the library knowledge in use,
and the source of the extractor itself, so an upgrade, a development change to extraction or a
configuration change never reads stale facts.  Entries live under
``.retainlint_cache/`` at the project root, which ignores itself in git.  The cache is an
optimisation only: any failure to read or write it is the same as a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Mapping, Optional

from retainlint import __version__
from retainlint.facts import ModuleFacts
from retainlint.knowledge import shipped_tables

CACHE_DIR = ".retainlint_cache"


def _extractor_digest() -> str:
    """A hash of the code that produces facts: a changed extractor means a changed cache."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([package / "facts.py", *(package / "extract").glob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


class FactsCache:
    def __init__(self, root: Path, api: Mapping) -> None:
        self.folder = root / CACHE_DIR / "facts"
        salt = json.dumps([__version__, _extractor_digest(), shipped_tables(), api], sort_keys=True, default=str)
        self._salt = hashlib.sha256(salt.encode("utf-8")).hexdigest()

    def key(self, data: bytes, module: str) -> str:
        digest = hashlib.sha256(self._salt.encode("ascii"))
        digest.update(module.encode("utf-8") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str, display: str) -> Optional[ModuleFacts]:
        try:
            with open(self._file(key), "rb") as handle:
                facts = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None
        if not isinstance(facts, ModuleFacts):
            return None
        facts.path = display
        return facts

    def put(self, key: str, facts: ModuleFacts) -> None:
        target = self._file(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.folder.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by retainlint: the cache ignores itself.\n*\n", encoding="utf-8")
            handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                pickle.dump(facts, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, target)
        except OSError:
            pass
