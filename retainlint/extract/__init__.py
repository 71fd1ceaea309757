"""Extraction: one file in, plain :class:`ModuleFacts` (or a :class:`FileError`) out.

The libcst tree lives only inside :func:`extract_source`; what leaves is data, so a run over a
large project holds one tree at a time.
"""

from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import libcst as cst

from retainlint.extract.locate import LocatorMismatch, MetadataLocator, statement_locator
from retainlint.extract.names import module_name_for
from retainlint.extract.suppressions import scan_suppressions
from retainlint.extract.visitor import FactVisitor
from retainlint.facts import ModuleFacts
from retainlint.knowledge import Knowledge

MAX_FILE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class FileError:
    """A file that could not be checked, with the reason a person can act on."""

    path: str
    line: int
    col: int
    reason: str

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: error: {self.reason}"


def module_name(path: Path) -> str:
    """Dotted module name, found by walking up through package folders (those with ``__init__``)."""
    path = Path(os.path.abspath(path))
    parts = [path.name]
    folder = path.parent
    while (folder / "__init__.py").exists() or (folder / "__init__.pyi").exists():
        parts.append(folder.name)
        if folder.parent == folder:
            break
        folder = folder.parent
    return module_name_for(list(reversed(parts)))


def decode_source(data: bytes) -> str:
    """Decode as Python does: a BOM or PEP 263 coding line, else UTF-8."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def extract_source(text: str, path: str, module: str, knowledge: Knowledge,
                   is_package: bool = False) -> Union[ModuleFacts, FileError]:
    try:
        tree = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return _syntax_error(text, path, exc)
    except (RecursionError, MemoryError) as exc:
        return FileError(path, 1, 1, f"cannot parse: {type(exc).__name__} (nesting too deep or file too large)")
    try:
        locator = statement_locator(text)
        if locator is not None:
            try:
                return _visit(tree, text, path, module, knowledge, is_package, locator)
            except LocatorMismatch:
                pass
        return _visit(tree, text, path, module, knowledge, is_package, MetadataLocator(tree))
    except RecursionError:
        return FileError(path, 1, 1, "cannot analyse: nesting too deep")


def _visit(tree: cst.Module, text: str, path: str, module: str, knowledge: Knowledge, is_package: bool,
           locator) -> ModuleFacts:
    facts = ModuleFacts(path=path, module=module)
    facts.lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    facts.suppressions = scan_suppressions(text)
    tree.visit(FactVisitor(facts, knowledge, is_package, locator))
    locator.finish()
    return facts


def _syntax_error(text: str, path: str, exc: cst.ParserSyntaxError) -> FileError:
    """Report CPython's own message and position when it agrees the code is invalid: it is the
    message people know; libcst's is the fallback for syntax CPython accepts but libcst does not."""
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as python_error:
        return FileError(path, python_error.lineno or 1, python_error.offset or 1, f"syntax error: {python_error.msg}")
    except (ValueError, RecursionError, MemoryError):
        pass
    return FileError(path, exc.raw_line, exc.raw_column + 1, f"syntax error (libcst): {exc.message}")


def extract_file(path: Path, display: str, knowledge: Knowledge,
                 module: Optional[str] = None) -> Union[ModuleFacts, FileError]:
    """Read, decode and extract one file; every failure becomes a FileError naming the reason."""
    try:
        if path.is_symlink() and not path.exists():
            return FileError(display, 1, 1, f"broken symbolic link (points to {os.readlink(path)})")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return FileError(display, 1, 1,
                             f"file too large to check ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
        data = path.read_bytes()
    except FileNotFoundError:
        return FileError(display, 1, 1, "no such file")
    except PermissionError:
        return FileError(display, 1, 1, "permission denied: cannot read the file")
    except OSError as exc:
        return FileError(display, 1, 1, f"cannot read the file: {exc.strerror or exc}")
    if b"\x00" in data:
        return FileError(display, 1, 1, "binary file: contains NUL bytes")
    try:
        text = decode_source(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        return FileError(display, line, 1, f"cannot decode the file: {exc}")
    return extract_source(text, display, module or module_name(path), knowledge, path.name.startswith("__init__."))
