"""Turning libcst expressions into the dotted names and short source strings that facts store."""

from __future__ import annotations

from typing import Dict, Optional, Sequence

import libcst as cst

_EMPTY_MODULE = cst.Module(body=[])
# Names a module binds for itself: as many values as there are modules, fixed by the program text.
MODULE_DUNDERS = frozenset({"__name__", "__qualname__", "__module__", "__file__", "__package__", "__spec__"})


def source_of(node: cst.CSTNode) -> str:
    """The node's source with whitespace folded, so ``self . x`` and ``self.x`` compare equal."""
    return " ".join(_EMPTY_MODULE.code_for_node(node).split())


def spelled_as_class(name: str) -> bool:
    """``Connection``, ``pkg._Session``: a name spelled like a class (PEP 8)."""
    return name.rsplit(".", 1)[-1].lstrip("_")[:1].isupper()


def builds_object(value: Optional[cst.BaseExpression]) -> bool:
    """``Connection(...)``, ``pkg._Session(...)``: a call of a name spelled like a class,
    which gives back a new object holding what it was given."""
    return isinstance(value, cst.Call) and spelled_as_class(dotted(value.func) or "")


def dotted(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def callee_name(node: cst.BaseExpression) -> Optional[str]:
    """The dotted callee of a call or decorator (``lru_cache(maxsize=1)`` → ``lru_cache``)."""
    if isinstance(node, cst.Call):
        node = node.func
    return dotted(node)


def string_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString))


def argument(args: Sequence[cst.Arg], position: int, keyword: Optional[str] = None) -> Optional[cst.Arg]:
    """The argument at a positional index (ignoring keyword arguments) or with a keyword."""
    if keyword is not None:
        for arg in args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg
    positional = [a for a in args if a.keyword is None and not a.star]
    if 0 <= position < len(positional):
        return positional[position]
    return None


def keyword_source(args: Sequence[cst.Arg], keyword: str) -> Optional[str]:
    for arg in args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return source_of(arg.value)
    return None


def module_name_for(relative_parts: Sequence[str]) -> str:
    """Dotted module name from path parts (``pkg/sub/mod.py`` → ``pkg.sub.mod``)."""
    parts = list(relative_parts)
    if not parts:
        return ""
    last = parts[-1]
    for suffix in (".pyi", ".py"):
        if last.endswith(suffix):
            last = last[: -len(suffix)]
    parts[-1] = last
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class ImportResolver:
    """Maps local names to the dotted names they were imported as.

    ``modules`` holds names bound by ``import x`` (a module object), ``names`` those bound by
    ``from x import y`` (which may be a module or anything else).
    """

    def __init__(self, module: str, is_package: bool) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.modules: Dict[str, str] = {}
        self.names: Dict[str, str] = {}

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.modules[alias.asname.name.value] = name
            else:
                head = name.split(".", 1)[0]
                self.modules[head] = head

    def add_import_from(self, node: cst.ImportFrom) -> Dict[str, str]:
        """Bind the names the import brings in; returns them (local name → dotted name)."""
        bound: Dict[str, str] = {}
        base = self._absolute(node)
        if base is None or isinstance(node.names, cst.ImportStar):
            return bound
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.names[local] = bound[local] = f"{base}.{name}" if base else name
        return bound

    def _absolute(self, node: cst.ImportFrom) -> Optional[str]:
        relative = len(node.relative)
        target = dotted(node.module) if node.module is not None else ""
        if target is None:
            return None
        if not relative:
            return target
        parts = self.package.split(".") if self.package else []
        if relative > 1:
            parts = parts[: len(parts) - (relative - 1)] if relative - 1 <= len(parts) else []
        base = ".".join(parts)
        if target:
            return f"{base}.{target}" if base else target
        return base

    def qualify(self, name: Optional[str]) -> str:
        """Resolve the first component of a dotted name through the imports."""
        if not name:
            return ""
        head, _, rest = name.partition(".")
        target = self.modules.get(head) or self.names.get(head)
        if target is None:
            return name
        return f"{target}.{rest}" if rest else target

    def is_module_alias(self, name: str) -> bool:
        return name in self.modules
