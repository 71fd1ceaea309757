"""The whole checked project as indexes over every file's facts.

Checks ask project-wide questions ("is this container shrunk anywhere?", "does this function run
once?", "which class is ``Run``?"); answering them needs all files, so they live here and not in
any one file's facts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from functools import cached_property
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

from retainlint.facts import Call, ClassFact, ContainerDef, FunctionFact, Listener, ModuleFacts, Mutation, Ref
from retainlint.knowledge import Knowledge
from retainlint.discovery import is_test_module
from retainlint.link.callgraph import CONSTRUCTORS, MODULE, ONCE, PER_CALL, PER_OBJECT, CallGraph, Frequency  # noqa: F401
from retainlint.link.handed import constructor_calls, handed_in_containers, handed_in_mutations, handed_in_objects
from retainlint.link.release import ReleaseAnalysis

_CLOSERS = {"close", "aclose"}  # ends the life of the object it is called on
# Bases whose instances compare and hash by their contents.  (Not ``str`` or ``int``: a subclass of
# those usually wraps one identity — ``class RequestId(str)`` made from ``uuid4().hex`` per request.)
_VALUE_BASES = {"NamedTuple", "tuple", "frozenset"}


class Project:
    def __init__(self, modules: Iterable[ModuleFacts], knowledge: Knowledge,
                 test_paths: Optional[FrozenSet[str]] = None,
                 entry_points: Optional[Mapping[str, str]] = None) -> None:
        self.modules: List[ModuleFacts] = list(modules)
        self.kb = knowledge
        # the files that are test code, told by where each sits in what was checked (discovery's
        # SourceFile.scope); None: by the paths of the facts themselves
        self.test_paths = test_paths
        # the scripts the packaging metadata declares (retainlint.entrypoints): dotted target → how
        self.entry_points: Mapping[str, str] = entry_points or {}
        self.functions: Dict[str, FunctionFact] = {}
        self.classes: Dict[str, ClassFact] = {}
        self.path_of_function: Dict[str, str] = {}
        self.containers: Dict[Ref, List[ContainerDef]] = defaultdict(list)
        self.mutations: Dict[Ref, List[Mutation]] = defaultdict(list)
        self.lookups: Dict[Ref, List[Mutation]] = defaultdict(list)
        self.decorators_used: Set[str] = set()
        self.decorator_factories: Set[str] = set()
        self.cache_clears: Set[str] = set()
        # class → private names its body or methods write as strings, for classes that call
        # ``getattr(self, name)``: methods a dispatch table runs by name (test code aside)
        self.string_names: Dict[str, Set[str]] = defaultdict(set)
        self.context_clears: Set[Tuple[Ref, str]] = set()
        self.import_time_calls: Set[str] = set()
        self.class_aliases: Dict[str, str] = {}  # ``<class>.<attribute>`` → the class it names
        self.module_paths: Dict[str, str] = {}
        self._ancestors: Dict[str, List[str]] = {}
        self._only_slot_classes: Dict[Tuple[str, str], Optional[str]] = {}  # see _only_slot_class
        self._setup_only: Dict[str, bool] = {}  # made_at_setup_only's answers, class by class
        for facts in self.modules:
            self._index(facts)
        self._merge_reexported_owners()
        self._model_fields()
        for definition in list(handed_in_containers(self)):  # the call graph reads no container
            if not self.containers.get(definition.ref):
                self.containers[definition.ref].append(definition)
        self.handed_releases: List[Mutation] = []  # releases through a helper, at the call (link/handed.py)
        for mutation in list(handed_in_mutations(self)):
            self.mutations[mutation.ref].append(mutation)
            if mutation.op == "shrink":
                self.handed_releases.append(mutation)
        for index in (self.mutations, self.lookups):
            for ref in [r for r in index if r.kind == "attr"]:
                owner = self.attribute_owner(ref)
                if owner is not None:
                    index[owner].extend(index[ref])
        for ref, container in self.container_aliases.items():  # binding the alias is no reset of the container
            self.mutations[container].extend(m for m in self.mutations.get(ref, ()) if m.op != "reset")
            self.lookups[container].extend(self.lookups.get(ref, ()))

    def is_test_path(self, path: str) -> bool:
        """Test suites and their support code (see ``is_test_module``)."""
        return path in self.test_paths if self.test_paths is not None else is_test_module(path)

    def _model_fields(self) -> None:
        """``requests: list = []`` in a subclass of a project class that derives from a model base
        (``class MockModel(BaseLlm)``, ``class BaseLlm(BaseModel)``): pydantic copies the default
        into each instance, so it is a per-instance field, which one file alone cannot tell."""
        for ref, definitions in self.containers.items():
            if any(d.scope == "class" and d.annotated for d in definitions) and ref.kind == "self" \
                    and set(self.ancestors(ref.owner)) & self.kb.model_bases:
                self.containers[ref] = [replace(d, scope="instance") if d.scope == "class" and d.annotated else d
                                        for d in definitions]

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
        for lookup in facts.lookups:
            self.lookups[lookup.ref].append(lookup)
        self.decorators_used |= facts.decorators_used
        self.decorator_factories |= facts.decorator_factories
        self.cache_clears |= facts.cache_clears
        if not self.is_test_path(facts.path):
            for owner, name in facts.string_names:
                if owner in facts.getattr_dispatch:
                    self.string_names[owner].add(name)
        self.context_clears |= facts.context_clears
        self.import_time_calls |= facts.import_time_calls
        self.class_aliases.update(facts.class_aliases)

    def _merge_reexported_owners(self) -> None:
        """``broker: AsyncBroker`` imported from the package root (``from taskiq import
        AsyncBroker``) names ``taskiq.AsyncBroker``: its slots are those of the class it
        re-exports (``taskiq.abc.broker.AsyncBroker``), not a class of their own."""
        for index in (self.containers, self.mutations, self.lookups):
            for ref in [r for r in index if r.kind == "self" and r.owner not in self.classes]:
                owner = self.resolve_class(ref.owner)
                if owner is not None:
                    index[Ref("self", owner, ref.name)].extend(index.pop(ref))

    # ------------------------------------------------------------------ classes
    @cached_property
    def _classes_by_name(self) -> Dict[str, List[str]]:
        by_name: Dict[str, List[str]] = defaultdict(list)
        for qualname, cls in self.classes.items():
            by_name[cls.name].append(qualname)
        return by_name

    def built_class(self, function: str) -> Optional[str]:
        """The project class a factory function builds on every return (``xom_from_config`` →
        ``XOM``): what a local bound to its result holds."""
        fact = self.functions.get(function)
        return self.resolve_class(fact.built_class, self.module_of(function) or "") if fact is not None and fact.built_class else None

    def resolve_class(self, dotted: str, module: str = "") -> Optional[str]:
        """The project class a dotted name refers to: exact, same module, or a unique short name."""
        if not dotted:
            return None
        if dotted in self.classes:
            return dotted
        if module and f"{module}.{dotted}" in self.classes:
            return f"{module}.{dotted}"
        reexported = self._through_reexports(dotted)
        if reexported is not None:
            return reexported
        head, dot, _ = dotted.partition(".")
        if dot and head not in self._top_packages:
            return None  # ``typing_extensions.ParamSpec``: a class of a library, not the project's namesake
        candidates = self._classes_by_name.get(dotted.rsplit(".", 1)[-1], [])
        return candidates[0] if len(candidates) == 1 else None

    @cached_property
    def _top_packages(self) -> Set[str]:
        """The first components of the project's module names: what its own dotted names start with."""
        return {facts.module.split(".", 1)[0] for facts in self.modules}

    def _through_reexports(self, dotted: str) -> Optional[str]:
        """``pkg.statemachine.State`` where ``statemachine`` imports ``State`` from ``pkg.flows``:
        the class that import names, followed through modules that import it in turn (the short
        name alone is ambiguous when two runtimes both define a ``State``)."""
        return next((name for name in self._reexport_chain(dotted) if name in self.classes), None)

    def _reexport_chain(self, dotted: str) -> List[str]:
        """The dotted name, then what each project module it names imports it from in turn
        (``pkg._compat.BaseModel`` → ``pydantic.BaseModel``), stopping at a cycle."""
        chain = [dotted]
        while True:
            module, _, name = chain[-1].rpartition(".")
            target = self._reexports.get(module, {}).get(name)
            if target is None or target in chain:
                return chain
            chain.append(target)

    @cached_property
    def _reexports(self) -> Dict[str, Dict[str, str]]:
        return {facts.module: facts.reexports for facts in self.modules if facts.reexports}

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
            elif resolved is None:
                todo.append(self._library_origin(base))
        return list(seen)

    def _library_origin(self, dotted: str) -> str:
        """``evidently._pydantic_compat.BaseModel``, a project module's import of a library class
        (``from pydantic import BaseModel``): the library's name for it, ``pydantic.BaseModel``."""
        return self._reexport_chain(dotted)[-1]

    @cached_property
    def _subclasses(self) -> Dict[str, Set[str]]:
        related: Dict[str, Set[str]] = defaultdict(set)
        for qualname in self.classes:
            for base in self.ancestors(qualname):
                if base in self.classes:
                    related[base].add(qualname)
        return related

    def subclasses(self, qualname: str) -> Set[str]:
        return self._subclasses.get(qualname, set())

    @cached_property
    def _methods(self) -> Dict[str, List[str]]:
        found: Dict[str, List[str]] = defaultdict(list)
        for function in self.functions.values():
            if function.class_qualname:
                found[function.class_qualname].append(function.qualname)
        return found

    def methods_of(self, qualname: str) -> List[str]:
        return self._methods.get(qualname, [])

    def hashes_by_value(self, dotted: str, function: Optional[str]) -> bool:
        """A project class that compares by value — it (or a base) defines ``__hash__``, it is a
        named tuple or a frozen dataclass: two objects built alike are one key
        (``InstrumentationScope(name, version)``), so building one per call adds no entry per call."""
        cls = self._class_named_in(dotted, function)
        return cls is not None and self.value_class(cls)

    def enum_made(self, dotted: str, function: Optional[str]) -> bool:
        """``Feature(flag)`` where ``Feature`` is an Enum of the project: the call looks a member
        up (or raises), so there are as many values as members."""
        cls = self._class_named_in(dotted, function)
        return cls is not None and self.is_enum(cls)

    def calls_plain_function(self, dotted: str, function: Optional[str]) -> bool:
        """``GetInternedWsdlNamespace(version)`` written in ``function``: a capitalised name that
        is no class of the project but one of its functions, every ``return`` of which gives a
        value of a bounded or unknown domain (pyVmomi's CamelCase functions intern or look up a
        value) — not a new object (``r = _Request(p); …; return r``) nor a new id per call."""
        if not dotted or self._class_named_in(dotted, function) is not None:
            return False
        module = _module_of(self.owner_class(function) or function)
        names = [f"{module}.{dotted}"] + self._reexport_chain(dotted)
        fact = next((self.functions[name] for name in names if name in self.functions), None)
        return fact is not None and fact.returns_domain in ("bounded", "unknown")

    def _class_named_in(self, dotted: str, function: Optional[str]) -> Optional[str]:
        """The project class a name written in ``function`` stands for, if any."""
        module = _module_of(self.owner_class(function) or function)
        return self.resolve_class(dotted, module) if dotted else None

    def value_class(self, cls: str) -> bool:
        """Instances compare and hash by value: the class or a project base defines ``__hash__``,
        derives from ``NamedTuple``, ``tuple`` or ``frozenset`` (``class CompositeState(tuple)``), or is
        a frozen dataclass."""
        return any(f"{member}.__hash__" in self.functions or member.rsplit(".", 1)[-1] in _VALUE_BASES
                   or (member in self.classes and self.classes[member].frozen)
                   for member in [cls] + self.ancestors(cls))

    @cached_property
    def _self_shrinking(self) -> Set[str]:
        return {cls for facts in self.modules for cls in facts.self_shrinking}

    def evicting_container(self, cls: str) -> bool:
        """A container class of the project that bounds itself: it (or a project base) defines
        ``__setitem__`` and removes its own entries (wandb's ``CappedDict(100)`` drops the oldest
        key on insert).  What it holds leaves again, as from an ``lru_cache``."""
        lineage = [cls] + self.ancestors(cls)
        return any(f"{member}.__setitem__" in self.functions for member in lineage) and \
            any(member in self._self_shrinking for member in lineage)

    def inherits(self, cls: str, function: str) -> bool:
        """Instances of ``cls`` run ``function``, a method (or a closure inside a method) of one
        of its project ancestors: no class from ``cls`` up to that ancestor defines a method of
        the same name.  A base's ``flush()`` empties a subclass's own queue only if the subclass
        does not override ``flush()``."""
        base = self.owner_class(function)
        if base is None or base == cls or base not in self.ancestors(cls):
            return False
        name = function[len(base) + 1:].split(".", 1)[0]
        between = {cls} | (set(self.ancestors(cls)) & self.subclasses(base))
        return not any(f"{member}.{name}" in self.functions for member in between)

    @cached_property
    def _slot_classes(self) -> Dict[Tuple[Ref, bool], List[str]]:
        """The project classes each slot is bound to (with ``True``: its container's entries), in
        the order the facts name them."""
        found: Dict[Tuple[Ref, bool], List[str]] = defaultdict(list)
        for facts in self.modules:
            for holds in facts.holds:
                if holds.via in ("attribute", "annotation", "element") and holds.owner.kind == "self":
                    resolved = self.resolve_class(holds.held, facts.module)
                    classes = found[(holds.owner, holds.via == "element")]
                    if resolved and resolved not in classes:
                        classes.append(resolved)
        return found

    def _only_slot_class(self, cls: str, attribute: str) -> Optional[str]:
        """The one project class the attribute is ever bound to (None when it holds several:
        ``self._backend = NullBackend()`` then ``MemoryBackend()``)."""
        if (cls, attribute) not in self._only_slot_classes:  # asked for every ``self._slot.x`` canonicalised
            held = {found for member in [cls] + [a for a in self.ancestors(cls) if a in self.classes]
                    for found in self._slot_classes.get((Ref("self", member, attribute), False), ())}
            self._only_slot_classes[(cls, attribute)] = next(iter(held)) if len(held) == 1 else None
        return self._only_slot_classes[(cls, attribute)]

    def slot_type(self, cls: str, attribute: str, element: bool = False) -> Optional[str]:
        """The project class an attribute holds (``Run.output`` → ``pkg.output.Output``), or with
        ``element`` the class of its container's entries."""
        found = self._slot_bindings(cls, attribute, element)
        return found[0] if found else None

    def slot_classes(self, cls: str, attribute: str) -> List[str]:
        """Every project class an attribute is bound to, in the class body or on instances."""
        return sorted(set(self._slot_bindings(cls, attribute, False)))

    def _slot_bindings(self, cls: str, attribute: str, element: bool) -> List[str]:
        """The classes bound to the attribute by the class or, failing that, its nearest project
        ancestor that binds it, in the order they are bound."""
        for member in [cls] + [a for a in self.ancestors(cls) if a in self.classes]:
            found = self._slot_classes.get((Ref("self", member, attribute), element))
            if found:
                return found
        return []

    def canonical_ref(self, ref: Ref) -> Ref:
        """``self.x`` of a subclass or a base, as the slot of the class that defines the container;
        ``scope._counts`` as the one class's ``_counts`` (see :meth:`attribute_owner`); a slot
        bound to another object's container, as that container (see :meth:`container_aliases`)."""
        plain = self._plain_canonical_ref(ref)
        return self.container_aliases.get(plain, plain)

    @cached_property
    def container_aliases(self) -> Dict[Ref, Ref]:
        """``self.processes = executor._processes`` (loky's manager thread): a slot that is no
        container of its own and is only ever bound to one container of another object names that
        container — what the thread pops from it, it pops from the executor's."""
        bound: Dict[Ref, Set[Optional[Ref]]] = defaultdict(set)
        for assign in self.attribute_assignments:
            if assign.ref.kind != "self":
                continue
            value = assign.value_ref
            if value is not None and value.kind == "attr":
                value = self.attribute_owner(value)
            elif value is not None:
                value = self._plain_canonical_ref(value)
            bound[self._plain_canonical_ref(assign.ref)].add(value)
        return {ref: next(iter(values)) for ref, values in bound.items()
                if len(values) == 1 and ref not in self.containers and next(iter(values)) in self.containers
                and next(iter(values)) != ref}

    def is_alias(self, ref: Ref) -> bool:
        """The slot names another object's container (see :meth:`container_aliases`)."""
        return self._plain_canonical_ref(ref) in self.container_aliases

    def _plain_canonical_ref(self, ref: Ref) -> Ref:
        if ref.kind == "attr":
            return self.attribute_owner(ref) or ref
        if ref.kind == "self" and ref.owner not in self.classes:
            owner = self.resolve_class(ref.owner)  # a re-exported name (see _merge_reexported_owners)
            ref = Ref("self", owner, ref.name) if owner else ref
        if ref.kind != "self" or ref in self.containers:
            return ref
        return self._canonical_refs.get(ref, ref)

    def attribute_owner(self, ref: Ref, release: bool = False) -> Optional[Ref]:
        """``scope._gen_ai_counts[k] = v`` on an object whose class this file cannot see: the
        container of that name, when exactly one class defines one and the name is private to it
        (a leading underscore: code outside the class reaching in, not a common attribute name).
        With ``release``, a public name defined by exactly one class counts too
        (``server.handler_threads.discard(t)``): taking a release for another class's container
        can only silence a finding, while taking growth for it could invent one.  A slot of
        ``self`` (``self._bridge.messages``) names the container of the class the slot holds."""
        if ref.owner in self.module_paths:  # ``_callback.GLOBAL_INLINE_SCRIPTS`` after ``from . import _callback``
            return Ref("global", ref.owner, ref.name)
        cls, _, slot = ref.owner.partition("|")
        held = self._only_slot_class(cls, slot) if slot else None
        container = self._plain_canonical_ref(Ref("self", held, ref.name)) if held else None
        if container in self.containers and (container.owner == held or container.owner in self.ancestors(held)):
            return container  # ``self._bridge.messages``, ``self._bridge = BridgeServer()`` — not the container
            # of one subclass of the class a slot is declared with (``parent: SchemaEventTarget``, a Table's)
        if ref.name.startswith("__") or not (release or ref.name.startswith("_")):
            return None
        return self._unique_containers.get(ref.name)

    @cached_property
    def _unique_containers(self) -> Dict[str, Ref]:
        """Container attribute names that exactly one class defines — and no class defines as a
        method or property (``state._extensions``, a property of panel's ``_state``, is not
        ``Serve._extensions``)."""
        owners: Dict[str, Set[Ref]] = defaultdict(set)
        for ref in self.containers:
            if ref.kind == "self":
                owners[ref.name].add(self._canonical_refs.get(ref, ref))
        methods = {fact.name for fact in self.functions.values() if fact.class_qualname}
        return {name: next(iter(refs)) for name, refs in owners.items() if len(refs) == 1 and name not in methods}

    @cached_property
    def _canonical_refs(self) -> Dict[Ref, Ref]:
        found: Dict[Ref, Ref] = {}
        for ref in list(self.containers):
            if ref.kind != "self":
                continue
            for member in self.family(ref.owner):
                found.setdefault(Ref("self", member, ref.name), ref)
        return found

    def made_per_call(self, cls: Optional[str]) -> bool:
        """Instances of the class are made by code shown to run per call (not merely assumed to),
        and not only under a once-guard (``if not Agent._instance: Agent._instance = Agent()``)."""
        if cls is None:
            return False
        sites = [site for member in self.family(cls) for site in self.callgraph.instantiated_at(member)]
        return any(self.frequency(site.caller).kind == PER_CALL and not self.frequency(site.caller).only_public
                   and not site.guarded for site in sites)

    def made_at_setup_only(self, cls: Optional[str], seen: Optional[Set[str]] = None) -> bool:
        """Every instance of the class is made at import (directly, or by a function only code
        that runs at import calls: aim's ``_get_tracking_queue()`` in a class body), under a
        once-guard, or by the constructor of a class that is itself made only so (lunary's
        ``Consumer``, made by the ``EventQueue`` made at import), in a function the program runs
        once (LocalStack's ``@singleton_factory get_internal_apis()``), or by a method only such a
        constructor reaches: the library makes the few it needs.  A class made only
        by an entry point (a CLI's ``main``) is not: the CLI is one of its users, and the others
        make as many as they like (agency-swarm's ``Agency``)."""
        if cls is None:
            return False
        if seen is None and cls in self._setup_only:
            return self._setup_only[cls]
        seen = (seen or set()) | {cls}
        sites = [site for member in [cls, *sorted(self.subclasses(cls))] for site in self.callgraph.instantiated_at(member)]
        answer = bool(sites)
        for site in sites:
            frequency = self.frequency(site.caller)
            if frequency.kind == MODULE or site.guarded or self.callgraph.only_at_import(site.caller):
                continue
            if frequency.kind == ONCE and not (frequency.by_name or frequency.entry or frequency.objects):
                continue  # a function the program runs once (a ``@singleton_factory``), not an entry point
            maker = self.owner_class(site.caller) if (site.caller or "").rsplit(".", 1)[-1] in CONSTRUCTORS else None
            if maker is None and frequency.kind in (ONCE, PER_OBJECT) and len(frequency.objects) == 1:
                maker = frequency.objects[0]  # a method only the constructor reaches (``add_default_routes()``)
            if maker is None or maker in seen or not self.made_at_setup_only(maker, seen):
                answer = False
                break
        if len(seen) == 1:  # a walk's inner answers depend on where it entered a cycle: kept are the outer
            self._setup_only[cls] = answer
        return answer

    def family(self, qualname: str) -> Set[str]:
        """A class with its project ancestors and descendants: where ``self.x`` may be touched."""
        return {qualname} | {a for a in self.ancestors(qualname) if a in self.classes} | self._subclasses[qualname]

    def lineage(self, qualname: str) -> List[str]:
        """The family in a fixed order: the class, its project ancestors as :meth:`ancestors`
        lists them, then its subclasses by name.  Where the first member that answers a question
        is taken (which definition of a method ``self.m`` finds), the answer must not depend on
        the order of a set, which changes with string hashing."""
        bases = [a for a in self.ancestors(qualname) if a in self.classes]
        return list(dict.fromkeys([qualname] + bases + sorted(self._subclasses.get(qualname, ()))))

    def is_enum(self, qualname: str) -> bool:
        return any(base.rsplit(".", 1)[-1] in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag")
                   for base in self.ancestors(qualname))

    def is_metaclass(self, qualname: str) -> bool:
        return any(base in self.kb.metaclasses or base == "ABCMeta" for base in self.ancestors(qualname))

    # ------------------------------------------------------------------ functions
    def global_instance_class(self, name: str) -> Optional[str]:
        """The class of a module-level instance (``pkg.mod.BUS`` → ``pkg.bus.EventBus``)."""
        return self.global_instance_classes.get(name)

    @cached_property
    def global_instance_classes(self) -> Dict[str, str]:
        return {f"{g.ref.owner}.{g.ref.name}": g.cls for facts in self.modules for g in facts.global_instances}

    @cached_property
    def import_time_functions(self) -> Set[str]:
        """Functions applied as decorators at import time, and the ``__init__``/``__call__`` of
        classes used as decorators (the call graph adds module-level calls)."""
        decorator_classes = {c.qualname for c in self.classes.values() if c.name in self.decorators_used}
        return {f.qualname for f in self.functions.values() if f.name in self.decorators_used
                or (f.class_qualname in decorator_classes and f.name in ("__init__", "__call__"))}

    @cached_property
    def callgraph(self) -> CallGraph:
        return CallGraph(self)

    @cached_property
    def release(self) -> ReleaseAnalysis:
        return ReleaseAnalysis(self, self.callgraph)

    def frequency(self, qualname: Optional[str]) -> Frequency:
        """How often a function runs, and why (see :mod:`retainlint.link.callgraph`)."""
        return self.callgraph.frequency(qualname)

    def function_kind(self, qualname: Optional[str]) -> str:
        return self.frequency(qualname).kind

    def replaced_by(self, ref: Ref) -> Optional[str]:
        """The function that binds the slot ``self.<name>`` to a new object on every call, shown
        to run per call (``self._run_output = RunOutput()`` in ``do_async()``, which a loop
        calls), outside constructors, teardown and once-guards: the slot holds the latest object
        and lets the one before go — a chain through it keeps one object at a time, not every
        object ever made."""
        return self._rebinders.get(self.canonical_ref(ref)) if ref.kind == "self" else None

    @cached_property
    def _rebinders(self) -> Dict[Ref, str]:
        ends = set(self.kb.teardown_functions) | set(self.kb.link_breakers)
        unguarded = {(self.canonical_ref(m.ref), m.function, m.span.line)
                     for ms in self.mutations.values() for m in ms
                     if m.op == "reset" and m.ref.kind == "self" and not (m.guarded or m.deferred)}
        found: Dict[Ref, str] = {}
        for facts in self.modules:
            for holds in facts.holds:
                name = (holds.function or "").rsplit(".", 1)[-1]
                if holds.owner.kind != "self" or holds.via not in ("attribute", "annotation") or \
                        name in CONSTRUCTORS or name in ends:
                    continue
                ref = self.canonical_ref(holds.owner)
                frequency = self.frequency(holds.function)
                if (ref, holds.function, holds.span.line) in unguarded and frequency.kind == PER_CALL \
                        and not frequency.assumed:  # shown to repeat: a public ``create_runner()`` may run once
                    found.setdefault(ref, holds.function)
        return found

    def function_label(self, qualname: Optional[str]) -> str:
        if qualname is None:
            return "module level"
        function = self.functions.get(qualname)
        if function is not None and function.class_qualname:
            return f"{function.class_qualname.rsplit('.', 1)[-1]}.{function.name}()"
        return f"{qualname.rsplit('.', 1)[-1]}()"

    # ------------------------------------------------------------------ containers
    @cached_property
    def unbounded(self) -> list:
        """Every container that only ever grows (see :mod:`retainlint.unbounded`)."""
        from retainlint.unbounded import find_unbounded

        return find_unbounded(self)

    def context_var(self, ref: Ref) -> Optional[Ref]:
        """The ContextVar a ``.set()`` receiver names: itself, or for ``obj._last_seen`` the one
        attribute of that name that any class binds to a ContextVar."""
        if any(self.kb.is_context_var(d.constructor) for d in self.containers.get(ref, ())):
            return ref
        if ref.kind == "attr":
            found = [r for r in self._context_var_refs if r.name == ref.name]
            return found[0] if len(found) == 1 else None
        return None

    @cached_property
    def _context_var_refs(self) -> List[Ref]:
        return [r for r, defs in self.containers.items() if any(self.kb.is_context_var(d.constructor) for d in defs)]

    @cached_property
    def invoked_containers(self) -> Set[Ref]:
        """Containers whose elements some code calls (``for handler in self._handlers: handler()``):
        lists of callbacks."""
        return {self.canonical_ref(ref) for facts in self.modules for ref in facts.invoked}

    def creates_on_read(self, ref: Ref) -> bool:
        """A ``defaultdict``: reading a missing key (``d[k]``, ``d[k] += 1``) adds the entry."""
        return any(d.constructor == "collections.defaultdict" for d in self.containers.get(ref, ()))

    def grows(self, ref: Ref) -> List[Mutation]:
        return [m for m in self.mutations.get(ref, ()) if m.op == "grow"]

    def runs_once(self, mutation: Mutation) -> bool:
        """Under a once-guard that holds for every call the project makes: one that a switch can
        force (``not L or force``) holds unless a call here passes that switch; or called only
        under a guard that the container it fills is empty (see :meth:`_called_while_small`)."""
        if mutation.guarded:
            return not (mutation.forced_by and mutation.function is not None and
                        self.callgraph.passes_any(mutation.function, mutation.forced_by))
        return self._called_while_small(mutation)

    def named_in_dispatch(self, function: str) -> bool:
        """A method whose name a dispatch table of its class (or a relative) writes as a string,
        for ``getattr(self, name)`` to run it."""
        owner = self.owner_class(function)
        name = function.rsplit(".", 1)[-1]
        return owner is not None and any(name in self.string_names.get(member, ()) for member in self.family(owner))

    def _called_while_small(self, mutation: Mutation) -> bool:
        """Every call of the growing function in the project is made only while the very container
        it fills is empty or small (``if len(Loader.PATHS) == 0: Loader.find_paths()``), and it is
        handed over nowhere: the guard at the call is the once-guard — unless the function keeps
        filling it in an endless loop."""
        if mutation.op != "grow" or mutation.function is None or mutation.forever \
                or self.callgraph.referenced(mutation.function):
            return False
        sites = self.callgraph.call_sites(mutation.function)
        own = self.canonical_ref(mutation.ref)
        return bool(sites) and all(any(self.canonical_ref(ref) == own for ref in site.capped) for site in sites)

    @cached_property
    def attribute_assignments(self) -> List:
        """Every ``self.x = …`` and ``obj.x = …`` of the project (AttrAssign records)."""
        return [a for facts in self.modules for a in facts.attr_assigns]

    @cached_property
    def assignments_by_owner(self) -> Dict[str, List]:
        """``self.x = …`` records by the class that owns ``x``."""
        found: Dict[str, List] = defaultdict(list)
        for assign in self.attribute_assignments:
            if assign.ref.kind == "self":
                found[assign.ref.owner].append(assign)
        return found

    @cached_property
    def constructed_attributes(self) -> Set[tuple]:
        """(class, attribute) pairs that a class fills with an object it builds itself, directly
        or through a factory of the project (``self.conn = self.create_connection()``)."""
        return {(a.ref.owner, a.ref.name) for a in self.attribute_assignments
                if a.ref.kind == "self" and not a.from_param and (a.value_class or self._factory_result(a))}

    def _factory_result(self, assign) -> bool:
        """The value is what a project factory returns: every function the call may reach builds
        what it returns."""
        if not assign.value_call:
            return False
        callees = self.callgraph.resolve(assign.function, assign.value_call)
        return bool(callees) and all(callee.startswith("class:") or self.functions[callee].builds
                                     for callee in callees)

    @cached_property
    def closed_attributes(self) -> Set[tuple]:
        """(class, attribute) pairs whose object the class closes (``await self._session.aclose()``):
        it ends that object's life, so the object is its own, not one shared with others."""
        found = set()
        for facts in self.modules:
            for call in facts.calls:
                kind, _, chain = call.target.partition(":")
                parts = chain.split("|")
                if kind == "attr" and len(parts) == 3 and parts[0] == "self" and parts[2] in _CLOSERS:
                    owner = self.owner_class(call.caller)
                    if owner is not None:
                        found.add((owner, parts[1]))
        return found

    def module_of(self, qualname: str) -> Optional[str]:
        """The project module a function or class is defined in: the longest prefix of its
        qualified name that is a module here."""
        parts = qualname.split(".")
        return next((".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)
                     if ".".join(parts[:i]) in self.module_paths), None)

    def context_manager(self, function: Optional[str]) -> bool:
        """``@contextmanager`` / ``@asynccontextmanager``: its ``yield`` is the caller's with block."""
        fact = self.functions.get(function or "")
        return fact is not None and fact.context_manager

    def owner_class(self, function: Optional[str]) -> Optional[str]:
        """The class whose ``self`` a function sees: its own class, or for a closure inside a
        method (``pkg.mod.Class.method.inner``), the method's class."""
        fact = self.functions.get(function or "")
        if fact is not None and fact.class_qualname:
            return fact.class_qualname
        if not function:
            return None
        return self.resolve_class(function.rsplit(".", 2)[0])

    def receiver_class(self, listener: Listener) -> Optional[str]:
        """The project class of a registration's receiver, when the facts show it: a module-level
        instance (``BUS``), or a slot whose type is known (``self._bus``)."""
        ref = listener.target_ref
        if ref is None:
            return None
        if ref.kind == "global":
            return self.global_instance_class(f"{ref.owner}.{ref.name}")
        if ref.kind == "self":
            return self.slot_type(ref.owner, ref.name)
        return None

    def own_add_method(self, listener: Listener) -> Optional[str]:
        """The project method a registration calls, when the receiver's class is the project's:
        the object itself (``self.subscribe(…)``), a module-level instance or a typed slot."""
        cls = self.owner_class(listener.function) if listener.target_kind == "self" else self.receiver_class(listener)
        return self.method_defined(cls, listener.method)

    def stored_callable(self, cls: Optional[str], name: str) -> bool:
        """The class (or a base) binds an attribute of that name on its objects (``self.subscribe =
        subscribe`` in ``__init__``): ``self.subscribe(conn)`` calls what was handed in, not a
        listener API of an emitter."""
        return cls is not None and any(a.ref.name == name for owner in [cls] + self.ancestors(cls)
                                       for a in self.assignments_by_owner.get(owner, ()))

    def method_defined(self, cls: Optional[str], method: str) -> Optional[str]:
        """The project function ``cls.method`` runs (its own or a project base's), if any."""
        return next((f"{owner}.{method}" for owner in ([cls] + self.ancestors(cls) if cls else [])
                     if f"{owner}.{method}" in self.functions), None)

    def holds_weakly(self, listener: Listener) -> bool:
        """The receiver is a project class whose add-method keeps the callback it is given only
        in a weak container (``def subscribe(self, cb): self._subscribers.add(cb)`` on a WeakSet)."""
        method = self.own_add_method(listener)
        if method is None:
            return False
        stores = [m for m in self.mutations_by_function.get(method, []) if m.op == "grow" and m.value == "param"]
        return bool(stores) and all(
            any(d.weak for d in self.containers.get(self.canonical_ref(m.ref), [])) for m in stores)

    @cached_property
    def mutations_by_function(self) -> Dict[str, List[Mutation]]:
        found: Dict[str, List[Mutation]] = defaultdict(list)
        for facts in self.modules:
            for mutation in facts.mutations:
                if mutation.function:
                    found[mutation.function].append(mutation)
        return found

    def owns_target(self, listener: Listener) -> bool:
        """``self._emitter.on(...)`` where this class builds ``self._emitter``, is given one every
        caller builds afresh, or closes it: it dies with the object.  A parameter the method
        stores in such a slot (``self._duplex = duplex; duplex.on(...)``) is that object."""
        if not listener.function:
            return False
        owner = self.owner_class(listener.function)
        if owner is None:
            return False
        if listener.target_kind == "self_attr" or (listener.target_kind == "param" and "." in listener.target):
            attributes = {listener.target.split(".")[1]} if "." in listener.target else set()  # the slot it is in
        elif listener.target_kind == "param":
            attributes = {a.ref.name for a in self.assignments_by_owner.get(owner, ())
                          if a.function == listener.function and a.param == listener.target}
        else:
            return False
        owned = self.constructed_attributes | self.handed_in_objects | self.closed_attributes
        return any((member, attribute) in owned for member in self.family(owner) for attribute in attributes)

    @cached_property
    def constructor_calls(self) -> Dict[str, List[Call]]:
        """Per constructor, the instantiations and ``super().__init__(…)`` calls that run it."""
        return constructor_calls(self)

    @cached_property
    def handed_in_objects(self) -> Set[tuple]:
        """(class, attribute) pairs filled from a constructor parameter every caller builds afresh."""
        return handed_in_objects(self)

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

    def registered_while_owned(self, qualname: str) -> bool:
        """A handler or filter class (a registered base) whose every instance the project keeps in
        a slot of the object that makes it, and registers from that slot only with a paired
        removal (``handler.addFilter(self._filter)`` … ``handler.removeFilter(self._filter)``): it
        is registered for a while, not for the life of the process, so its base makes no root."""
        sites = self.callgraph.instantiated_at(qualname)
        if not sites or any(site.use != "store" for site in sites):
            return False
        stores = [a for a in self.attribute_assignments
                  if a.ref.kind == "self" and f"class:{qualname}" in self.callgraph.resolve(a.function, a.value_call)]
        if not all(any(a.function == site.caller for a in stores) for site in sites):
            return False  # an instance stored somewhere the facts do not name
        slots = {(a.ref.owner, a.ref.name) for a in stores}
        registrations = [listener for facts in self.modules for listener in facts.listeners
                         if listener.action == "add" and self._registers_instance(listener, qualname, slots)]
        return bool(registrations) and all(self.is_removed(listener) for listener in registrations)

    def _registers_instance(self, listener: Listener, qualname: str, slots: Set[tuple]) -> bool:
        """The registration hands over an instance of the class: one kept in a slot
        (``handler.addFilter(self._filter)``) or the instance itself (``root.addHandler(self)``
        in its own ``install()``)."""
        owner = self.owner_class(listener.function) or ""
        if listener.callback == "self":
            return qualname in self.family(owner)
        return any(listener.callback == f"self.{name}" and holder in self.family(owner) for holder, name in slots)

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


def _module_of(qualname: Optional[str]) -> str:
    """``pkg.mod`` of ``pkg.mod.Class`` or ``pkg.mod.function``: what a name written there is
    looked up in first ("" for code at no function)."""
    return (qualname or "").rpartition(".")[0]
