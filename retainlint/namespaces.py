"""Module names inside namespace packages (PEP 420).

A folder without ``__init__.py`` is still a package when the code imports through it:
``localstack/aws/connect.py`` imports ``localstack.services.internal`` although ``localstack/``
has no ``__init__.py``, and ``google/cloud/logging_v2`` is imported as ``google.cloud.logging_v2``.
Named only by the packages below such a folder (``aws.connect``), the files could not be found
by the names the project imports them by, and the call graph would see none of those calls.
mypy asks for ``explicit_package_bases`` and ruff for ``namespace-packages``; here the checked
code's own imports are the evidence: the folders above a top-level package form a namespace
package named ``p`` when some checked file imports ``p.<a module or package in it>``.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set

from retainlint.extract import package_base

# ``from a.b import c`` / ``import a.b`` at the start of a line (the text, never executed)
_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([A-Za-z_][\w.]*))", re.M)
_DEPTH = 3  # folders above a top-level package that may form its namespace (``google.cloud``)


def _prefixes(base: Path) -> List[str]:
    """Namespaces a base folder may stand for, longest first: ``google.cloud``, ``cloud``."""
    found, parts, folder = [], [], base
    for _ in range(_DEPTH):
        if not folder.name.isidentifier():
            break
        parts.insert(0, folder.name)
        found.append(".".join(parts))
        if folder.parent == folder:
            break
        folder = folder.parent
    return found[::-1]


def _imported(paths: Sequence[Path], heads: Set[str]) -> Set[str]:
    """Every dotted prefix of the absolute imports that start with one of ``heads``."""
    found: Set[str] = set()
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue  # extraction reports the file
        for match in _IMPORT.finditer(data):
            name = (match.group(1) or match.group(2)).decode("ascii", "replace")
            if name.split(".", 1)[0] in heads:
                parts = name.split(".")
                found.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
    return found


def qualified_module_names(paths: Sequence[Path], names: Sequence[str],
                           bases: Optional[Sequence[Path]] = None) -> List[str]:
    """``names`` (as the package folders alone give them) with the namespace package each file
    is imported through put in front, where the checked code shows one.  ``bases``: each file's
    ``package_base``, when the caller has them already."""
    absolute = [Path(os.path.abspath(path)) for path in paths]
    bases = list(bases) if bases is not None else [package_base(path) for path in absolute]
    children: Dict[Path, Set[str]] = defaultdict(set)
    for base, name in zip(bases, names):
        children[base].add(name.split(".", 1)[0])
    candidates = {base: _prefixes(base) for base in children}
    heads = {prefix.split(".", 1)[0] for prefixes in candidates.values() for prefix in prefixes}
    if not heads:
        return list(names)
    imported = _imported(absolute, heads)
    tops = {name.split(".", 1)[0] for name in names}  # a package the checked files already hold is no namespace
    chosen: Dict[Path, str] = {}
    for base, prefixes in candidates.items():
        prefix = next((p for p in prefixes if p.split(".", 1)[0] not in tops
                       and any(f"{p}.{child}" in imported for child in children[base])), None)
        if prefix is not None:
            chosen[base] = prefix
    return [f"{chosen[base]}.{name}" if base in chosen else name for base, name in zip(bases, names)]
