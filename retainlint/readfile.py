"""Reading a file that may be anything: a FIFO, a device, a symbolic link someone planted.

``open()`` on a FIFO blocks until a writer appears, and reading ``/dev/zero`` never ends, so a
checked tree or a cache folder with such an entry would hang a run.  Files are opened without
blocking, checked with ``fstat`` to be regular files of an acceptable size, and read no further
than that size allows.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Union

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class NotRegularFile(OSError):
    """A FIFO, socket, device or folder where a file was expected."""


class FileTooLarge(OSError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size:,} bytes; the limit is {limit:,}")
        self.size, self.limit = size, limit


def read_regular_file(path: Union[str, Path], limit: int, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``OSError`` (or one of the two
    above) otherwise.  Without ``follow_symlinks`` a symbolic link is refused (ELOOP)."""
    flags = _FLAGS if follow_symlinks else _FLAGS | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile(f"not a regular file: {path}")
        if status.st_size > limit:
            raise FileTooLarge(status.st_size, limit)
        chunks, remaining = [], limit + 1  # a file that grows while being read is still bounded
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise FileTooLarge(len(data), limit)
        return data
    finally:
        os.close(descriptor)
