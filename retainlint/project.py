"""The whole checked project as indexes over every file's facts.

Checks ask project-wide questions ("is this container shrunk anywhere?", "does this function run
once?", "which class is ``Run``?"); answering them needs all files, so they live here and not in
any one file's facts.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from typing import Dict, Iterable, List, Optional, Set

from retainlint.facts import ClassFact, ContainerDef, FunctionFact, Listener, ModuleFacts, Mutation, Ref
from retainlint.knowledge import Knowledge

MODULE, ONCE, PER_OBJECT, PER_CALL = "module", "once", "per_object", "per_call"
_CLASS_KEYS = {"cls", "klass", "class_", "type_", "typ", "kls"}


def _keyed_by_class(key: str) -> bool:
    """``reg[cls] = …``, ``reg[type(obj)] = …``, ``reg[obj.__class__] = …``."""
    return key in _CLASS_KEYS or key.startswith("type(") or key.endswith("__class__")


class Project:
    def __init__(self, modules: Iterable[ModuleFacts], knowledge: Knowledge) -> None:
        self.modules: List[ModuleFacts] = list(modules)
        self.kb = knowledge
        self.functions: Dict[str, FunctionFact] = {}
        self.classes: Dict[str, ClassFact] = {}
        self.path_of_function: Dict[str, str] = {}
        self.containers: Dict[Ref, List[ContainerDef]] = defaultdict(list)
        self.mutations: Dict[Ref, List[Mutation]] = defaultdict(list)
        self.decorators_used: Set[str] = set()
        self.decorator_factories: Set[str] = set()
        self.cache_clears: Set[str] = set()
        self.import_time_calls: Set[str] = set()
        self.init_calls: Set[str] = set()
        self.module_paths: Dict[str, str] = {}
        self._ancestors: Dict[str, List[str]] = {}
        for facts in self.modules:
            self._index(facts)

    def _index(self, facts: ModuleFacts) -> None:
        self.module_paths[facts.module] = facts.path
        for function in facts.functions:
            self.functions[function.qualname] = function
            self.path_of_function[function.qualname] = facts.path
        for cls in facts.classes:
            self.classes[cls.qualname] = cls
        for container in facts.containers:
            self.containers[container.ref].append(container)
        for mutation in facts.mutations:
            self.mutations[mutation.ref].append(mutation)
        self.decorators_used |= facts.decorators_used
        self.decorator_factories |= facts.decorator_factories
        self.cache_clears |= facts.cache_clears
        self.import_time_calls |= facts.import_time_calls
        self.init_calls |= facts.init_calls

    # ------------------------------------------------------------------ classes
    @cached_property
    def _classes_by_name(self) -> Dict[str, List[str]]:
        by_name: Dict[str, List[str]] = defaultdict(list)
        for qualname, cls in self.classes.items():
            by_name[cls.name].append(qualname)
        return by_name

    def resolve_class(self, dotted: str, module: str = "") -> Optional[str]:
        """The project class a dotted name refers to: exact, same module, or a unique short name."""
        if not dotted:
            return None
        if dotted in self.classes:
            return dotted
        if module and f"{module}.{dotted}" in self.classes:
            return f"{module}.{dotted}"
        candidates = self._classes_by_name.get(dotted.rsplit(".", 1)[-1], [])
        return candidates[0] if len(candidates) == 1 else None

    def ancestors(self, qualname: str) -> List[str]:
        """Base names of a class, transitively through the project's own classes (cycle-safe).
        Computed once per class: every check asks, and chains can be thousands deep."""
        if qualname not in self._ancestors:
            self._ancestors[qualname] = self._find_ancestors(qualname)
        return self._ancestors[qualname]

    def _find_ancestors(self, qualname: str) -> List[str]:
        seen: Dict[str, None] = {}  # ordered, with constant-time membership: chains can be thousands deep
        expanded: Set[str] = set()
        todo = list(self.classes[qualname].bases) if qualname in self.classes else []
        while todo:
            base = todo.pop()
            if base in seen:
                continue
            seen[base] = None
            resolved = self.resolve_class(base, qualname.rpartition(".")[0])
            if resolved and resolved != qualname and resolved not in expanded:
                expanded.add(resolved)
                seen[resolved] = None
                todo.extend(self.classes[resolved].bases)
        return list(seen)

    @cached_property
    def _subclasses(self) -> Dict[str, Set[str]]:
        related: Dict[str, Set[str]] = defaultdict(set)
        for qualname in self.classes:
            for base in self.ancestors(qualname):
                if base in self.classes:
                    related[base].add(qualname)
        return related

    def family(self, qualname: str) -> Set[str]:
        """A class with its project ancestors and descendants: where ``self.x`` may be touched."""
        return {qualname} | {a for a in self.ancestors(qualname) if a in self.classes} | self._subclasses[qualname]

    def is_enum(self, qualname: str) -> bool:
        return any(base.rsplit(".", 1)[-1] in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag")
                   for base in self.ancestors(qualname))

    def is_metaclass(self, qualname: str) -> bool:
        return any(base in ("type", "abc.ABCMeta", "ABCMeta") for base in self.ancestors(qualname))

    # ------------------------------------------------------------------ functions
    @cached_property
    def _global_instance_classes(self) -> Dict[str, str]:
        return {f"{g.ref.owner}.{g.ref.name}": g.cls for facts in self.modules for g in facts.global_instances}

    @cached_property
    def import_time_functions(self) -> Set[str]:
        """Functions that run while modules import: decorators, module-level calls, their methods."""
        found: Set[str] = set()
        by_name: Dict[str, List[FunctionFact]] = defaultdict(list)
        for function in self.functions.values():
            by_name[function.name].append(function)
            if function.name in self.decorators_used:
                found.add(function.qualname)
        for call in self.import_time_calls:
            if call in self.functions:
                found.add(call)
                continue
            receiver, _, method = call.rpartition(".")
            cls = self._global_instance_classes.get(receiver)
            owner = self.resolve_class(cls or "", receiver.rpartition(".")[0]) if cls else None
            if owner is None and receiver in self.classes:
                owner = receiver
            if owner is not None:
                for function in by_name.get(method, ()):
                    if function.class_qualname in self.family(owner):
                        found.add(function.qualname)
        return found

    def function_kind(self, qualname: Optional[str]) -> str:
        """How often a function runs: at import (module), once, once per object, or per call."""
        if qualname is None:
            return MODULE
        function = self.functions.get(qualname)
        if function is None:
            return PER_CALL
        if function.nested:
            return ONCE if self._is_returned_by_setup(function) else PER_CALL
        if self.kb.runs_once(function.name) or qualname in self.import_time_functions:
            return ONCE
        if function.class_qualname and self.is_metaclass(function.class_qualname):
            return ONCE
        if function.class_qualname and (function.name in self.kb.per_object_functions or qualname in self.init_calls):
            return PER_OBJECT
        return PER_CALL

    def _is_returned_by_setup(self, function: FunctionFact) -> bool:
        """The inner ``decorator`` that a ``@factory(...)`` or a registrar returns runs when it
        decorates, at import time — unlike a decorator's ``wrapper``, which runs per call."""
        parent = self.functions.get(function.qualname.rpartition(".")[0])
        if parent is None or function.name not in parent.returns:
            return False
        decorator_shaped = bool(set(function.returns) & set(function.params))  # ``def deco(fn): …; return fn``
        return (decorator_shaped or parent.name in self.decorator_factories
                or self.function_kind(parent.qualname) == ONCE)

    def is_registration_api(self, qualname: Optional[str]) -> bool:
        """A function whose only statement stores what it is given, and that either is named as
        configuration (``add_hook(fn)``) or hands its argument back (a registration decorator,
        ``def op(fn): _OPS.add(fn); return fn``): its callers decide how often it runs."""
        function = self.functions.get(qualname or "")
        if function is None or function.body_statements > 1:
            return False
        configuration = not function.name.startswith("_") and self.kb.is_configuration_api(function.name)
        return configuration or bool(set(function.returns) & set(function.params))

    def growth_confidence(self, mutation: Mutation) -> str:
        """How sure a growth operation grows with traffic rather than with the program text."""
        kind = self.function_kind(mutation.function)
        if mutation.value == "param" and self.is_registration_api(mutation.function):
            return "low"
        if _keyed_by_class(mutation.key):
            return "low"  # one entry per class: bounded by the program text
        if kind == PER_OBJECT and mutation.value != "self":
            return "low"  # once per object, keyed by its arguments: bounded by the distinct arguments
        return "high"

    def function_label(self, qualname: Optional[str]) -> str:
        if qualname is None:
            return "module level"
        function = self.functions.get(qualname)
        if function is not None and function.class_qualname:
            return f"{function.class_qualname.rsplit('.', 1)[-1]}.{function.name}()"
        return f"{qualname.rsplit('.', 1)[-1]}()"

    # ------------------------------------------------------------------ containers
    def shrinks(self, ref: Ref, related_owners: Optional[Set[str]] = None) -> List[Mutation]:
        """Operations that shrink, clear, trim or rebind a container, wherever they are.

        A rebinding counts only where it runs per call (``def reset(self): self._buf = []``): in
        ``__init__``, setup code or at module level it is the container's definition.  Shrinks
        through other receivers (``other._chunks.clear()``) count by attribute name: retainlint
        prefers silence to a false alarm when it cannot tell which object they reach.
        """
        refs = [ref]
        if ref.kind == "self":
            refs += [Ref("self", owner, ref.name) for owner in (related_owners or ()) if owner != ref.owner]
        if ref.kind in ("self", "global"):
            refs.append(Ref("attr", "", ref.name))
        return [m for candidate in refs for m in self.mutations.get(candidate, ())
                if m.op == "shrink" or (m.op == "reset" and self.function_kind(m.function) == PER_CALL)]

    @cached_property
    def unbounded(self) -> list:
        """Every container that only ever grows (see :mod:`retainlint.unbounded`)."""
        from retainlint.unbounded import find_unbounded

        return find_unbounded(self)

    def grows(self, ref: Ref) -> List[Mutation]:
        return [m for m in self.mutations.get(ref, ()) if m.op == "grow"]

    @cached_property
    def constructed_attributes(self) -> Set[tuple]:
        """(class, attribute) pairs that a class fills with an object it builds itself."""
        return {(a.ref.owner, a.ref.name) for facts in self.modules for a in facts.attr_assigns
                if a.ref.kind == "self" and a.value_class and not a.from_param}

    def owner_class(self, function: Optional[str]) -> Optional[str]:
        """The class whose ``self`` a function sees: its own class, or for a closure inside a
        method (``pkg.mod.Class.method.inner``), the method's class."""
        fact = self.functions.get(function or "")
        if fact is not None and fact.class_qualname:
            return fact.class_qualname
        if not function:
            return None
        return self.resolve_class(function.rsplit(".", 2)[0])

    def owns_target(self, listener: Listener) -> bool:
        """``self._emitter.on(...)`` where this class builds ``self._emitter``: it dies with the object."""
        if listener.target_kind != "self_attr" or not listener.function:
            return False
        attribute = listener.target.split(".")[1] if "." in listener.target else ""
        owner = self.owner_class(listener.function)
        return owner is not None and any(
            (member, attribute) in self.constructed_attributes for member in self.family(owner))

    # ------------------------------------------------------------------ listeners
    @cached_property
    def _removals(self) -> Dict[tuple, List[Listener]]:
        """Removals by (API, target): a registration only ever matches those."""
        index: Dict[tuple, List[Listener]] = defaultdict(list)
        for facts in self.modules:
            for listener in facts.listeners:
                if listener.action != "add":
                    index[(listener.api, listener.target)].append(listener)
        return index

    @cached_property
    def method_listeners(self) -> Dict[str, List[tuple]]:
        """Registrations of bound methods (``emitter.on("x", self.handle)``) by method name,
        with the path of their file."""
        index: Dict[str, List[tuple]] = defaultdict(list)
        for facts in self.modules:
            for listener in facts.listeners:
                if listener.action == "add" and listener.callback.startswith("self."):
                    index[listener.callback[len("self."):]].append((facts.path, listener))
        return index

    def is_removed(self, add: Listener) -> bool:
        """A removal that matches the registration on target, event and callback (or removes all)."""
        for removal in self._removals.get((add.api, add.target), ()):
            if removal.action == "remove_all":
                return True
            if removal.callback == add.callback and (not add.event or not removal.event or removal.event == add.event):
                return True
        return False

    def path_of(self, function: Optional[str], fallback: str) -> str:
        return self.path_of_function.get(function or "", fallback)
