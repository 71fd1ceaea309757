"""A per-file cache of extracted facts, keyed by the file's content.

Facts are plain data, so a file whose bytes (and module name) have not changed need not be parsed
again: a run over a large project after a one-file change parses one file and still links
against every other.  The key also covers retainlint's version, the entry format, the library
knowledge in use and the source of the extractor itself, so an upgrade, a development change to
extraction or a configuration change never reads stale facts.

Entries live under ``.retainlint_cache/facts/`` at the project root (which ignores itself in
git), one file per key: a JSON header line ``{"tool": "retainlint", "format": FORMAT_VERSION,
"sha256": "…"}`` and then the facts as JSON, encoded by :mod:`retainlint.codec`, whose SHA-256
the header gives.  The folder is in the checked repository, so its contents are untrusted: an
entry is read only if it is a regular file (never through a symbolic link, never a FIFO), no
larger than a bound derived from the source's size, its digest matches, and it decodes to exactly
the shape the fact types describe.  Anything else — a planted pickle, random bytes, a truncated
or flipped entry, deep nesting, wrong types — is a miss and the file is parsed again.

Entries not used for :data:`PRUNE_AFTER_DAYS` days are deleted (at most once a day, at the end
of a run); ``retainlint clean`` deletes the whole folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import Mapping, Optional

from retainlint import __version__
from retainlint.codec import decode, encode
from retainlint.facts import ModuleFacts
from retainlint.knowledge import shipped_tables
from retainlint.readfile import read_regular_file

CACHE_DIR = ".retainlint_cache"
FORMAT_VERSION = 2  # 1 was pickle
# An entry may be this much larger than its source (genuine ones are about half its size) ...
ENTRY_BYTES_PER_SOURCE_BYTE = 16
ENTRY_BASE_BYTES = 64 * 1024
# ... and never larger than this: facts that big are extracted again instead of cached.
MAX_ENTRY_BYTES = 32 * 1024 * 1024
PRUNE_AFTER_DAYS = 30
_DAY = 24 * 3600
_PRUNE_STAMP = "last-prune"
_SUFFIX = ".json"


def _extractor_digest() -> str:
    """A hash of the code that produces facts: a changed extractor means a changed cache."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([package / "facts.py", package / "codec.py", *(package / "extract").glob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _header(payload: bytes) -> dict:
    return {"tool": "retainlint", "format": FORMAT_VERSION, "sha256": hashlib.sha256(payload).hexdigest()}


def entry_limit(source_bytes: int) -> int:
    """The largest entry accepted for (or written for) a source of this size."""
    return min(ENTRY_BASE_BYTES + ENTRY_BYTES_PER_SOURCE_BYTE * source_bytes, MAX_ENTRY_BYTES)


def _real_folder(path: Path) -> bool:
    """A folder that is not a symbolic link: the cache never writes through one, since a
    repository could plant ``.retainlint_cache`` as a link to anywhere."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


class FactsCache:
    def __init__(self, root: Path, api: Mapping) -> None:
        self.base = root / CACHE_DIR
        self.folder = self.base / "facts"
        salt = json.dumps([__version__, FORMAT_VERSION, _extractor_digest(), shipped_tables(), api],
                          sort_keys=True, default=str)
        self._salt = hashlib.sha256(salt.encode("utf-8")).hexdigest()

    def key(self, data: bytes, module: str) -> str:
        digest = hashlib.sha256(self._salt.encode("ascii"))
        digest.update(module.encode("utf-8") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}{_SUFFIX}"

    def get(self, key: str, display: str, source_bytes: int) -> Optional[ModuleFacts]:
        """The cached facts, or None for a miss — whatever the entry holds."""
        entry = self._file(key)
        try:
            data = read_regular_file(entry, entry_limit(source_bytes), follow_symlinks=False)
            header, _, payload = data.partition(b"\n")
            if json.loads(header) != _header(payload):
                return None
            facts = decode(ModuleFacts, json.loads(payload))
        except (OSError, ValueError, TypeError, RecursionError, MemoryError):
            return None  # ValueError covers DecodeError, JSON and Unicode errors
        self._touch(entry)
        facts.path = display
        return facts

    def put(self, key: str, facts: ModuleFacts, source_bytes: int) -> None:
        target = self._file(key)
        payload = json.dumps(encode(ModuleFacts, facts), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        data = json.dumps(_header(payload)).encode("ascii") + b"\n" + payload
        if len(data) > entry_limit(source_bytes):
            return  # would be refused when read
        try:
            for folder in (self.base, self.folder, target.parent):
                folder.mkdir(exist_ok=True)
                if not _real_folder(folder):
                    return
            ignore = self.base / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by retainlint: the cache ignores itself.\n*\n", encoding="utf-8")
            handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except OSError:
            pass

    @staticmethod
    def _touch(entry: Path) -> None:
        """Mark an entry as used (at most once a day per entry, so warm runs stay read-only)."""
        try:
            if os.lstat(entry).st_mtime < time.time() - _DAY:
                os.utime(entry, follow_symlinks=False)
        except (OSError, NotImplementedError):
            pass

    def prune(self, now: Optional[float] = None) -> int:
        """Delete entries unused for PRUNE_AFTER_DAYS days and anything that is not an entry
        (a pickle from retainlint < 0.2, a stray temporary); runs at most once a day."""
        now = time.time() if now is None else now
        stamp = self.folder / _PRUNE_STAMP
        try:
            if not _real_folder(self.base) or not _real_folder(self.folder):
                return 0
            if stamp.exists() and stamp.stat().st_mtime > now - _DAY:
                return 0
            stamp.touch()
        except OSError:
            return 0
        removed = 0
        cutoff = now - PRUNE_AFTER_DAYS * _DAY
        for shard in os.scandir(self.folder):
            if shard.name == _PRUNE_STAMP or not shard.is_dir(follow_symlinks=False):
                continue
            for entry in os.scandir(shard.path):
                try:
                    status = entry.stat(follow_symlinks=False)
                    unused = status.st_mtime < cutoff
                    foreign = not entry.name.endswith(_SUFFIX) and status.st_mtime < now - 3600  # not a writer's
                    if unused or foreign:
                        os.unlink(entry.path)
                        removed += 1
                except OSError:
                    pass
        return removed


def clean(root: Path) -> Optional[Path]:
    """Delete the project's cache folder; returns it, or None when there was none.  A symbolic
    link in its place is removed, never followed."""
    folder = root / CACHE_DIR
    if not os.path.lexists(folder):
        return None
    if _real_folder(folder):
        shutil.rmtree(folder)
    else:
        os.unlink(folder)
    return folder
