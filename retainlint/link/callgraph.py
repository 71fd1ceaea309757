"""The project's call graph, and how often each function runs, derived from its callers.

Growth or a registration matters when the code runs with traffic, so every rule asks "how often
does this run?".  The answer comes from the program: a function reached only from import time,
from a once-guard (``if X is None: … X = …``) or from setup code runs once; one reached from a
loop, from a callback registered on an emitter, or from a public API whose callers are outside
the project runs per call.  Names (``setup``, ``register_*``) decide only where no caller is
visible, and the reason says so.

Frequencies form a lattice — module < once < per object < per call — and each function takes the
highest its callers give it, so a fixpoint over the graph settles them (cycles included).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import networkx as nx

from retainlint.extract.keys import per_event_object
from retainlint.facts import Call, FunctionFact

MODULE, ONCE, PER_OBJECT, PER_CALL = "module", "once", "per_object", "per_call"
CONSTRUCTORS = frozenset({"__init__", "__post_init__", "__new__", "__attrs_post_init__"})
_RANK = {MODULE: 0, ONCE: 1, PER_OBJECT: 2, PER_CALL: 3}


@dataclass(frozen=True)
class Frequency:
    """How often a function runs, why, and whether only its name says so."""

    kind: str
    reason: str
    by_name: bool = False
    assumed: bool = False  # no caller is visible: taken to run per call
    by_parameter: bool = False  # ... because a parameter names what it handles (``handle(request)``)
    objects: Tuple[str, ...] = ()  # once per object: the classes whose construction it serves
    entry: bool = False  # once because it is (or only a program's entry point reaches it): one user among many

    @property
    def only_public(self) -> bool:
        """Taken to run per call only because it is public: weaker than a handler's parameter."""
        return self.assumed and not self.by_parameter

    def at_least(self, kind: str) -> bool:
        return _RANK[self.kind] >= _RANK[kind]


_IMPORT = Frequency(ONCE, "it runs at import time")
_SCRIPT = Frequency(ONCE, "it runs when its module is run as a script", entry=True)
_PUBLIC = Frequency(PER_CALL, "it is a public API: its callers are outside the project", assumed=True)


class CallGraph:
    def __init__(self, project) -> None:
        self.project = project
        self.graph = nx.DiGraph()
        self._import_time: Set[str] = set()
        self._script_time: Set[str] = set()  # called in an ``if __name__ == "__main__":`` block
        self._references: Dict[str, List[Tuple[str, Call]]] = defaultdict(list)
        self._instantiations: Dict[str, List[Call]] = defaultdict(list)
        self._call_sites: Dict[str, List[Call]] = defaultdict(list)
        self._unresolved_methods: Set[str] = set()  # ``self.source.link_to(…)`` on an object of unknown class
        self._asking: Set[str] = set()  # callees whose calls _calls_reaching is collecting
        self._untyped_arguments: Dict[str, List[Tuple[Optional[str], Tuple[Tuple[str, str], ...]]]] = \
            defaultdict(list)
        self._script_calls: Dict[str, List[Call]] = defaultdict(list)  # by module path: its ``__main__`` block's calls
        # functions with a ``while`` loop, or a serving call: they run for as long as that does
        self._looping: Set[str] = set()
        self._scripts_running_on: Set[str] = set()  # paths of modules whose ``__main__`` block loops or serves
        self._keeps_running: Dict[str, bool] = {}  # script_keeps_running's answers, path by path
        for function in project.functions:
            self.graph.add_node(function)
        for facts in project.modules:
            self._unresolved_methods |= facts.untyped_calls
            self._looping |= {m.function for m in facts.mutations if m.forever and m.function} | facts.serving
            if facts.script_runs_on:
                self._scripts_running_on.add(facts.path)
            for name, calls in facts.untyped_arguments.items():
                self._untyped_arguments[name].extend(calls)
            for call in facts.calls:
                if call.in_while and call.caller:
                    self._looping.add(call.caller)
                if call.script:
                    self._script_calls[facts.path].append(call)
                callees = self.resolve(call.caller, call.target)
                for callee in callees:
                    self._add(call, callee)
                if not callees and call.target.startswith("attr:"):
                    method = call.target.rsplit("|", 1)[-1]
                    self._unresolved_methods.add(method)
                    self._untyped_arguments[method].append((call.caller, call.arguments))
        self._link_wrappers()

    # ------------------------------------------------------------------ resolution
    def resolve(self, caller: Optional[str], target: str) -> List[str]:
        """Project functions a call target may reach (every override, for ``self.m()``)."""
        project = self.project
        kind, _, name = target.partition(":")
        if kind == "self":
            owner = project.owner_class(caller)
            return (self._methods(owner, name, include_subclasses=True) or self._nested_class(owner, name)
                    or self._aliased_class(owner, name) or self._injected_class(owner, name)) if owner else []
        if kind == "super":
            owner = project.owner_class(caller)
            if owner is None:
                return []
            ancestors = [a for a in project.ancestors(owner) if a in project.classes]
            return [f"{a}.{name}" for a in ancestors if f"{a}.{name}" in project.functions][:1]
        if kind == "local":
            nested = f"{caller}.{name}" if caller else ""
            return [nested] if nested in project.functions else []
        if kind == "name":
            return self._named(name)
        if kind == "attr":  # ``Class.method`` or ``Class.slot.….method`` (``self._pool.release``)
            head, *slots, method = name.split("|")
            resolved = self._receiver_class(caller, head)
            for slot, following in zip(slots, slots[1:] + [""]):
                if slot == "[]" or resolved is None:
                    continue
                resolved = project.slot_type(resolved, slot, element=following == "[]")
            return self._methods(resolved, method, include_subclasses=True) if resolved else []
        return []

    def _receiver_class(self, caller: Optional[str], head: str) -> Optional[str]:
        """The class an ``attr:`` target's receiver starts from: a class, ``self``'s, or what the
        factory a local was bound from builds (``pkg.main.xom_from_config()``)."""
        if _factory_result(head):
            return self.project.built_class(head[:-2])
        return self.project.resolve_class(head) or (self.project.owner_class(caller) if head == "self" else None)

    def _named(self, dotted: str) -> List[str]:
        project = self.project
        if dotted in project.functions:
            return [dotted]
        cls = project.resolve_class(dotted) if dotted.rsplit(".", 1)[-1].lstrip("_")[:1].isupper() else None
        if cls is not None:
            return [f"class:{cls}"]  # an instantiation: __init__ runs once per object made
        receiver, _, method = dotted.rpartition(".")
        instance = project.global_instance_class(receiver)
        owner = project.resolve_class(instance, receiver.rpartition(".")[0]) if instance else None
        if owner is None and receiver in project.classes:
            owner = receiver
        if owner is None:  # ``Scalene.__memory_profiler.process(…)``: a class attribute holding an instance
            cls, _, slot = receiver.rpartition(".")
            held = project.slot_classes(cls, slot) if cls in project.classes else []
            owner = held[0] if len(held) == 1 else None  # bound to objects of two classes: which one, it does not say
            instance = owner
        return self._methods(owner, method, include_subclasses=instance is not None) if owner else []

    def _nested_class(self, owner: str, name: str) -> List[str]:
        """``self._CodeVisitor(…)``: a class defined in the body of the class (or a base) — an
        instantiation, like a call of the class by its name."""
        project = self.project
        return next(([f"class:{cls}.{name}"] for cls in [owner] + project.ancestors(owner)
                     if f"{cls}.{name}" in project.classes), [])

    def _aliased_class(self, owner: str, name: str) -> List[str]:
        """``self.RunBundler(…)`` where the class body (or a base's) says ``RunBundler = RunBundler``:
        an instantiation of that class."""
        project = self.project
        for cls in [owner] + project.ancestors(owner):
            aliased = project.class_aliases.get(f"{cls}.{name}")
            if aliased:
                resolved = project.resolve_class(aliased, project.module_of(cls) or "")
                return [f"class:{resolved}"] if resolved else []
        return []

    def _injected_class(self, owner: str, name: str) -> List[str]:
        """``self._normalizer(…)`` where the constructor keeps a parameter whose default is a class
        (``normalizer=RunNormalizer`` … ``self._normalizer = normalizer``): an instantiation of
        that class, when the caller leaves the default."""
        project = self.project
        for assign in project.assignments_by_owner.get(owner, ()):
            function = project.functions.get(assign.function or "")
            if assign.ref.name != name or not assign.param or function is None:
                continue
            default = dict(function.class_defaults).get(assign.param)
            resolved = project.resolve_class(default, project.module_of(owner) or "") if default else None
            if resolved and self._default_left(function, assign.param, self._calls_reaching(f"class:{owner}")):
                return [f"class:{resolved}"]
        return []

    def _calls_reaching(self, callee: str) -> List[Call]:
        """The project's calls that resolve to a function (or ``class:<qualname>``), read from the
        facts: asked while the graph is built, when the index of call sites is not complete."""
        if callee in self._asking:  # ``def g(g=Cls): g()``: the question would ask itself
            return []
        self._asking.add(callee)
        try:
            return [call for call in self._calls_by_name.get(callee.rsplit(".", 1)[-1], ())
                    if callee in self.resolve(call.caller, call.target)]
        finally:
            self._asking.discard(callee)

    @cached_property
    def _calls_by_name(self) -> Dict[str, List[Call]]:
        """Every call fact, by the last name it calls (``attr:self|x|load`` → ``load``)."""
        found: Dict[str, List[Call]] = defaultdict(list)
        for facts in self.project.modules:
            for call in facts.calls:
                found[re.split(r"[:.|]", call.target)[-1]].append(call)
        return found

    @staticmethod
    def _default_left(function: FunctionFact, param: str, calls) -> bool:
        """Some call leaves the parameter at its default — or none is seen (its users call it)."""
        slots = {param, positional_slot(function, param)}
        return not calls or any(not slots & {slot for slot, _ in call.arguments} and
                                not any(slot == "*" for slot, _ in call.arguments) for call in calls)

    def _methods(self, owner: str, name: str, include_subclasses: bool) -> List[str]:
        """The method a call on ``owner`` runs, then (with ``include_subclasses``) every override,
        by subclass name: the order of the call graph's edges decides which caller a frequency's
        reason names, so it must not follow a set's order, which changes with string hashing."""
        project = self.project
        found = []
        for cls in [owner] + [a for a in project.ancestors(owner) if a in project.classes]:
            if f"{cls}.{name}" in project.functions:
                found.append(f"{cls}.{name}")
                break
        if include_subclasses:
            found += [f"{sub}.{name}" for sub in sorted(project.subclasses(owner))
                      if f"{sub}.{name}" in project.functions]
        return found

    def _add(self, call: Call, callee: str) -> None:
        if callee.startswith("class:"):
            self._instantiations[callee[len("class:"):]].append(call)
            return
        if call.argument_of:
            self._references[callee].append((call.argument_of, call))
            receiver = call.argument_of.split(":", 1)[-1].replace("|", ".").rsplit(".", 1)[-1]
            if receiver not in self.project.kb.once_per_handover or self._untyped_receiver(call.argument_of):
                return  # ``Thread(target=f)``, ``pool.submit(f)``: f runs once per handover, like a call —
                # known only when the receiver is (a UI's ``box.submit(f)`` registers f for every event)
        else:
            self._call_sites[callee].append(call)
        if call.caller is None:
            (self._script_time if call.script else self._import_time).add(callee)
            return
        if call.caller not in self.project.functions:
            return
        data = self.graph.get_edge_data(call.caller, callee)
        if data is None:
            self.graph.add_edge(call.caller, callee, line=call.line, in_loop=call.in_loop, in_while=call.in_while,
                                guarded=call.guarded)
        else:  # several calls: the most frequent one counts
            data["in_loop"] = data["in_loop"] or call.in_loop
            data["in_while"] = data["in_while"] or call.in_while
            data["guarded"] = data["guarded"] and call.guarded

    def _untyped_receiver(self, target: str) -> bool:
        """The call a function is handed to is on an object of unknown class: a method called on
        an untyped name, or on the result of a function not known to build one class."""
        kind, _, name = target.partition(":")
        head = name.split("|", 1)[0]
        return kind == "untyped" or kind == "attr" and _factory_result(head) and self._receiver_class(None, head) is None

    def _link_wrappers(self) -> None:
        """A decorator's wrapper runs whenever a function it decorates is called: the decorated
        function passes its frequency on to the wrapper (``@traced`` on a method called per chunk
        makes ``traced``'s ``wrapper`` run per chunk)."""
        project = self.project
        for function in project.functions.values():
            for decorator in function.decorators:
                for wrapper in self._wrappers_of(self._decorator_function(function, decorator)):
                    if not self.graph.has_edge(function.qualname, wrapper):
                        self.graph.add_edge(function.qualname, wrapper, line=0, in_loop=False, in_while=False,
                                            guarded=False)

    def _wrappers_of(self, decorator: str) -> List[str]:
        """The closures a decorator (or the decorator a factory returns) hands back."""
        project = self.project
        found = []
        outer = project.functions.get(decorator)
        for factory in ([outer] if outer else []):
            for name in factory.returns:
                inner = project.functions.get(f"{factory.qualname}.{name}")
                if inner is None:
                    continue
                nested = [project.functions.get(f"{inner.qualname}.{n}") for n in inner.returns]
                found += [f.qualname for f in nested if f is not None] or [inner.qualname]
        return found

    # ------------------------------------------------------------------ queries
    def callers(self, function: str) -> List[str]:
        return list(self.graph.predecessors(function)) if function in self.graph else []

    def call_sites(self, function: str) -> Optional[List[Call]]:
        """The calls in the project that call the function directly (not handovers); None when
        some call may reach it unseen: it is handed over, or it is a method of a name that a call
        on an object of unknown class also calls."""
        fact = self.project.functions.get(function)
        if fact is None or self.referenced(function) or (fact.class_qualname and fact.name in self._unresolved_methods):
            return None
        return self._call_sites.get(function, [])

    def passes_any(self, function: str, params: Tuple[str, ...]) -> bool:
        """Some call in the project passes one of the parameters (by keyword or position, or
        through ``*args``/``**kwargs``)."""
        fact = self.project.functions.get(function)
        if fact is None:
            return False
        slots = set(params) | {positional_slot(fact, p) for p in params if p in fact.params}
        return any(slot == "*" or slot in slots
                   for call in self._call_sites.get(function, []) for slot, _ in call.arguments)

    def passed_domain(self, function: Optional[str], params: Tuple[str, ...],
                      seen: FrozenSet[str] = frozenset(), identity: bool = False,
                      by_name: bool = True) -> Optional[str]:
        """The key domain of what the callers pass for some parameters (a key or a logger name
        built from them), when every caller is visible: ``bounded`` when all pass literals or
        constants, ``event`` when one passes a per-event value, ``unknown`` otherwise; None when
        there are no parameters to follow, some call may reach the function unseen, or it has no
        caller in the project (its names are all there is).  A caller that passes on a parameter
        of its own (``split_lines(stream)`` calling ``_getLbf(stream)``) is asked about its callers.
        With ``identity`` (the key is ``id()`` of the parameter), what a call returns counts as a
        new object per call, for all the code here shows (``_remember(request.make_payload())``).
        Without ``by_name``, a parameter passed on from callers out of sight is "outside" whatever
        its name says (``client_id`` is an OAuth app's, not a request's)."""
        fact = self.project.functions.get(function or "")
        sites = self._sites_binding(fact, params) if fact is not None and params else None
        if not sites or not set(params) <= set(fact.params):  # ``*args``/``**kwargs``: not followed
            return None
        domains = set()
        for call in sites:
            if call.caller is None:  # at import: whatever it passes, it passes once
                domains.add("bounded")
                continue
            passed = dict(call.arguments)
            for param in params:
                domain = passed.get(param) or passed.get(positional_slot(fact, param))
                if domain is None:  # not passed: its default, unless a ``*args`` may carry it
                    literal = param in fact.flag_params or param in fact.none_params
                    domain = "bounded" if literal and "*" not in passed else "unknown"
                elif _passed_on(domain):  # its caller's callers decide, if they are all seen
                    name, own = _passed_on(domain)
                    followed = None if _beyond(call.caller, fact.qualname, seen) else self.passed_domain(
                        call.caller, (name,), seen | {fact.qualname}, identity, by_name)
                    # its callers are not in sight
                    domain = followed or ("outside" if own == "param" or not by_name else own)
                domains.add("event" if domain == "created" or identity and domain == "returned" else domain)
        if "event" in domains:
            return "event"
        if domains == {"outside"}:  # ``get_logger(name)`` only passes on what its own unseen callers give
            return None
        return "bounded" if domains == {"bounded"} else "unknown"

    def _sites_binding(self, fact: FunctionFact, params: Tuple[str, ...]) -> Optional[List[Call]]:
        """The calls that decide what the parameters are: the direct calls, and the partials that
        bind every one of them (``partial(dispatch, members=(…))``: whoever calls the partial
        passes the rest).  None when some call may pass them unseen."""
        sites = self.call_sites(fact.qualname)
        if sites is not None or (fact.class_qualname and fact.name in self._unresolved_methods):
            return sites
        references = [call for _receiver, call in self._references.get(fact.qualname, ())]
        binds = all(call.argument_of.endswith("functools.partial") and all(
            any(slot in (param, positional_slot(fact, param)) for slot, _ in call.arguments) for param in params)
            for call in references)
        return self._call_sites.get(fact.qualname, []) + references if binds else None

    def never_given(self, function: Optional[str], param: str, seen: FrozenSet[str] = frozenset()) -> bool:
        """No call in the project gives the parameter a value: each leaves it at its ``None``
        default, or passes on a parameter of its own that its callers never give (OctoPrint's
        ``initialize_implementation(…, additional_pre_inits=None)``, reached only with defaults).
        False when a call may reach the function unseen, or none is seen."""
        fact = self.project.functions.get(function or "")
        if fact is None or param not in fact.none_params or self.referenced(fact.qualname):
            return False
        calls = [(call.caller, call.arguments) for call in self._call_sites.get(fact.qualname, [])]
        if fact.class_qualname:  # ``manager.initialize_implementations()`` on an object of unknown class may be one
            calls += self._untyped_arguments.get(fact.name, [])
        if not calls:
            return False
        slot = positional_slot(fact, param)
        for caller, arguments in calls:
            passed = dict(arguments)
            domain = passed.get(param) or passed.get(slot)
            if domain is None and "*" not in passed:
                continue
            passed_on = _passed_on(domain) if domain is not None else None
            if passed_on is None or _beyond(caller, fact.qualname, seen):
                return False
            if not self.never_given(caller, passed_on[0], seen | {fact.qualname}):
                return False
        return True

    def always_passed(self, function: str, param: str) -> bool:
        """Every call of a private function passes the parameter (by position or keyword), so its
        default is never used: the callers are all in the project, and each is visible."""
        fact = self.project.functions.get(function)
        return fact is not None and fact.name.startswith("_") and not fact.name.startswith("__") \
            and self.passed_at_every_call(function, param)

    def passed_at_every_call(self, function: str, param: str) -> bool:
        """Every call the project makes of the function passes the parameter, and there is one."""
        fact = self.project.functions.get(function)
        sites = self.call_sites(function) if fact is not None and param in fact.params else None
        if not sites:
            return False
        slot = positional_slot(fact, param)
        return all(any(name in (param, slot) for name, _ in call.arguments) for call in sites)

    def never_called(self, function: str) -> bool:
        """A private function (``_name``, not a dunder) that nothing in the project calls, hands
        over or names in a dispatch table of its class (``{"CIRC": "_circuit_update"}`` with
        ``getattr(self, name)``; a name built as ``"_on_" + kind`` is not seen): code outside has no
        business calling it, so it does not run."""
        name = function.rsplit(".", 1)[-1]
        return name.startswith("_") and not name.startswith("__") and not self.callers(function) \
            and not self.referenced(function) and not self.project.named_in_dispatch(function)

    def referenced(self, function: str) -> bool:
        """Handed over as a callable somewhere (a callback, a done-callback, a hook)."""
        return bool(self._references.get(function))

    def handed_to(self, function: str) -> List[Tuple[str, Call]]:
        """Where the function is handed over as a callable: (the receiving call's target, the
        reference), e.g. ``("name:threading.Thread", …)`` for ``Thread(target=self._run)``."""
        return self._references.get(function, [])

    def call_at(self, caller: Optional[str], target: str, line: int) -> Optional[Call]:
        """The call made at a place (the one a reference from :meth:`handed_to` was handed to)."""
        return self._calls_by_place.get((caller, target, line))

    @cached_property
    def _calls_by_place(self) -> Dict[Tuple[Optional[str], str, int], Call]:
        return {(c.caller, c.target, c.line): c for facts in self.project.modules for c in facts.calls
                if not c.argument_of}

    def script_keeps_running(self, path: str) -> bool:
        """The module's ``__main__`` block runs until the process stops: it loops (``while``, or
        ``for`` over what is not a fixed collection), hands over to a serving call
        (``serve_forever()``, ``uvicorn.run(app)``), or calls project code that does either.
        Otherwise the script runs its statements once and exits, and what its globals hold lives
        no longer than that run (rich's demo tables)."""
        if path not in self._keeps_running:  # asked once per class the block holds: the answer is the block's
            self._keeps_running[path] = path in self._scripts_running_on or any(
                self._looping & self.calls_transitively(callee)
                for call in self._script_calls.get(path, ()) for callee in self.resolve(None, call.target)
                if callee in self.project.functions)
        return self._keeps_running[path]

    def may_run_on(self, function: str) -> bool:
        """The function, or project code it calls, may run until the process stops: it loops with
        no fixed end (a ``while`` that waits for no value, a ``for`` over a queue, a stream or
        anything but a container the project binds), hands over to a serving call or a blocking
        wait, or makes a call whose end the project does not show (see :meth:`_may_block`).  A
        thread's ``run()`` for which none holds ends with its work."""
        project = self.project
        for reached in self.calls_transitively(function):
            fact = project.functions.get(reached)
            if reached in self._looping or fact is not None and (fact.loops_on or any(
                    not project.containers.get(project.canonical_ref(ref)) for ref in fact.iterated)):
                return True
            if any(self._may_block(call) for call in self._calls_by_caller.get(reached, ())):
                return True
        return False

    def _may_block(self, call: Call) -> bool:
        """A call that may not return while the process runs, as far as the project shows: a
        blocking wait (knowledge: ``blocking-waits``), ``super().run()`` into a library base (a
        thread's ``target``), a callable kept on ``self`` or handed in, or a method of an object of
        unknown class when a project method of that name loops (``self.consumer.consume()``)."""
        kind, _, name = call.target.partition(":")
        method = name.rsplit("|", 1)[-1].rsplit(".", 1)[-1]
        if kind in ("attr", "self", "super") and method in self.project.kb.blocking_waits:
            return True
        if self.resolve(call.caller, call.target):
            return False  # a project function: calls_transitively reaches it
        if kind in ("self", "super", "local"):
            return True
        return kind == "attr" and method in self._looping_method_names

    @cached_property
    def _looping_method_names(self) -> Set[str]:
        """Names of the project's functions that loop or serve, themselves or through the project
        code they call (``consume()`` calling ``_poll_forever()``)."""
        loopers = self._looping | {fact.qualname for fact in self.project.functions.values() if fact.loops_on}
        reaching = set(loopers)
        todo = [f for f in loopers if f in self.graph]
        while todo:  # every caller, transitively: one walk up from all of them at once
            for caller in self.graph.predecessors(todo.pop()):
                if caller not in reaching:
                    reaching.add(caller)
                    todo.append(caller)
        return {function.rsplit(".", 1)[-1] for function in reaching}

    def filled_while_built(self, function: Optional[str], depth: int = 3) -> Optional[str]:
        """The function that makes the objects a method is ever called on, when every call of it is
        on an object its caller has just made and has not stored, handed on or bound before
        (``meta = Metadata(); meta.add(…)``; not ``self._workflows[k] = workflow;
        workflow.create_run()``), or on ``self`` from a method that is itself only so called, and
        none is in a loop with no fixed end: the object is filled while one call builds it, so
        what it gains is bounded by that call (vLLM's per-step connector metadata).  None
        otherwise."""
        fact = self.project.functions.get(function or "")
        if fact is None or not fact.instance_method or fact.name in CONSTRUCTORS or depth == 0:
            return None
        sites = self.call_sites(fact.qualname)
        if not sites or any(site.caller is None or site.in_while or site.receiver not in ("new", "self")
                            for site in sites) or not self.every_call_seen(fact.qualname):
            return None
        builders = [site.caller if site.receiver == "new" else self.filled_while_built(site.caller, depth - 1)
                    for site in sites]
        return builders[0] if all(builders) else None

    def every_call_seen(self, function: str) -> bool:
        """Every call in the project spelled with the function's name resolves to it: none reaches
        it through a path the call graph cannot follow (``ExchangeResolver.load_exchange`` through
        a package's re-export), so its call sites are all of its callers in the project."""
        return all(function in self.resolve(call.caller, call.target)
                   for call in self._calls_by_name.get(function.rsplit(".", 1)[-1], ()) if not call.argument_of)

    @cached_property
    def _calls_by_caller(self) -> Dict[Optional[str], List[Call]]:
        found: Dict[Optional[str], List[Call]] = defaultdict(list)
        for call in self._calls_by_place.values():
            found[call.caller].append(call)
        return found

    def only_at_import(self, function: Optional[str]) -> bool:
        """The function is called only by module-level code that runs at import (a class body's
        ``tracking_queue = _get_tracking_queue()``), not from a ``__main__`` block, and handed to
        nothing: it runs a fixed number of times, at setup."""
        sites = self._call_sites.get(function or "", [])
        return bool(sites) and all(c.caller is None and not c.script for c in sites) \
            and not self._references.get(function or "") \
            and not (function in self.graph and self.graph.in_degree(function))

    def instantiated_at(self, cls: str) -> List[Call]:
        return self._instantiations.get(cls, [])

    def callers_transitively(self, function: str) -> Set[str]:
        """Every project function from which this one is reached (itself included)."""
        if function not in self.graph:
            return {function}
        return {function} | nx.ancestors(self.graph, function)

    def calls_transitively(self, function: str) -> Set[str]:
        """Every project function reached from this one (itself included)."""
        if function not in self.graph:
            return {function}
        return {function} | nx.descendants(self.graph, function)

    def frequency(self, function: Optional[str]) -> Frequency:
        if function is None:
            return Frequency(MODULE, "at module level")
        return self._frequencies.get(function, _PUBLIC)

    @cached_property
    def _frequencies(self) -> Dict[str, Frequency]:
        """A least fixpoint: each function starts from what it is on its own (a cap such as
        ``@cached_property``, or a floor such as "a callback per event") and is raised to what
        its callers give it until nothing changes.  Where only an assumption says a function
        repeats and its name says setup, it is setup inside the fixpoint, so that what it calls
        is too (``_setup()`` scanning a fixed list of modules in a loop)."""
        caps: Dict[str, Frequency] = {}
        result: Dict[str, Optional[Frequency]] = {}
        for name, fact in self.project.functions.items():
            cap = self._cap(fact)
            if cap is not None:
                caps[name] = result[name] = cap
            elif name in self.graph and self.graph.in_degree(name):
                result[name] = self._floor(fact)
            else:  # no caller: what it is on its own, else what its name and visibility say
                result[name] = self._floor(fact) or self._fallback(fact)
        work = [f for f in self.graph.nodes if f not in caps and self.graph.in_degree(f)]
        pending = set(work)
        while work:
            function = work.pop()
            pending.discard(function)
            new = _higher(result[function], self._from_callers(function, result))
            fact = self.project.functions.get(function)
            if new is not None and fact is not None:  # ``_setup()`` only a public API reaches: setup, as are its callees
                new = self._by_name(new, fact)
            if new != result[function]:
                result[function] = new
                for callee in self.graph.successors(function):
                    if callee not in caps and callee not in pending:
                        pending.add(callee)
                        work.append(callee)
        return {name: self._by_name(frequency, self.project.functions[name]) for name, frequency in result.items()}

    def _by_name(self, frequency: Optional[Frequency], fact: FunctionFact) -> Frequency:
        """Where only an assumption says a function repeats, its name may say it is setup."""
        if frequency is None:
            return self._fallback(fact)
        if frequency.assumed and self.project.kb.runs_once(fact.name):
            return Frequency(ONCE, f"its name ({fact.name}) is that of setup code", by_name=True)
        return frequency

    def _from_callers(self, function: str, known: Dict[str, Optional[Frequency]]) -> Optional[Frequency]:
        best: Optional[Frequency] = None
        for caller in self.graph.predecessors(function):
            caller_frequency = known.get(caller)
            if caller_frequency is None:
                continue
            edge = self.graph.edges[caller, function]
            label = self.project.function_label(caller)
            if edge["guarded"]:
                candidate = Frequency(ONCE, f"{label} calls it under a once-guard")
            elif edge["in_loop"] and caller_frequency.kind == PER_CALL:
                candidate = Frequency(PER_CALL, f"{label} calls it in a loop")
            elif edge["in_while"]:  # a worker's or a program's main loop: it repeats for as long as it runs
                candidate = Frequency(PER_CALL, f"{label} calls it in a while loop")
            elif caller_frequency.kind in (MODULE, ONCE):
                candidate = Frequency(ONCE, f"it is reached only from {label}, which {_explain(caller_frequency)}",
                                      caller_frequency.by_name, entry=caller_frequency.entry)
            else:
                candidate = Frequency(caller_frequency.kind, f"it is reached from {label}, which "
                                                             f"{_explain(caller_frequency)}", caller_frequency.by_name,
                                      caller_frequency.assumed, caller_frequency.by_parameter,
                                      caller_frequency.objects)
            best = _higher(best, candidate)
        return best

    def _cap(self, fact: FunctionFact) -> Optional[Frequency]:
        """What makes a function run at most once whoever calls it."""
        project = self.project
        if fact.name in project.kb.per_class_functions or (
                fact.class_qualname and project.is_metaclass(fact.class_qualname)):
            return Frequency(ONCE, "it runs once per class definition")
        if self.project.is_test_path(self.project.path_of_function.get(fact.qualname, "")):
            return Frequency(ONCE, "it is test code: it runs as often as the test suite makes it")
        if any(_cached_once(d, fact) for d in fact.decorators):  # a method's: once per object (``objects``)
            owner = (fact.class_qualname,) if fact.class_qualname and fact.first_param not in (None, "cls") else ()
            return Frequency(ONCE, f"its result is cached: the body runs once{' per object' if owner else ''}",
                             objects=owner)
        if fact.nested and self._applied_as_decorator(fact):
            return Frequency(ONCE, "it is a decorator applied at definition time")
        decorator = next((d for d in fact.decorators
                          if self._runs_wrapped_once(self._decorator_function(fact, d))), None)
        if decorator is not None:  # ``@provider_info_cache("logging")``: the wrapper returns early once it ran
            once = Frequency(ONCE, f"its decorator ({decorator.rsplit('.', 1)[-1]}) runs it only once")
            return self._construction(fact) if fact.class_qualname and fact.first_param else once
        return None

    def _applied_as_decorator(self, function: FunctionFact) -> bool:
        """The inner ``decorator`` that a ``@factory(...)`` or a registrar returns runs when it
        decorates, at import time — unlike a decorator's ``wrapper``, which runs per call.  It is
        told by its use (the factory is applied as ``@factory(...)``, or runs at import) or by its
        shape: it hands back its argument (``def deco(fn): …; return fn``) or a closure that calls
        its argument (``def deco(func): @wraps(func) def handler(*a): return func(*a); return handler``)."""
        project = self.project
        parent = project.functions.get(function.qualname.rpartition(".")[0])
        if parent is None or function.name not in parent.returns:
            return False
        return (self._decorator_shaped(function, parent) or parent.name in project.decorator_factories
                or parent.qualname in project.import_time_functions or project.kb.runs_once(parent.name))

    def _decorator_shaped(self, function: FunctionFact, parent: FunctionFact) -> bool:
        if set(function.returns) & set(function.params):
            return True
        # a wrapper of its argument — unless the factory's result is kept and called later, as a
        # callback adapter is (``self.request = make_requester(…)`` … ``self.request(cb)``)
        arguments = {f"local:{p}" for p in function.params}
        wraps = any(call.target in arguments
                    for name in function.returns
                    for call in self._calls_by_caller.get(f"{function.qualname}.{name}", ()))
        return wraps and not self._result_kept(parent.qualname)

    def _result_kept(self, function: str, seen: FrozenSet[str] = frozenset()) -> bool:
        """Some call keeps what the function returns or hands it on, rather than only applying
        it (as a decorator); a caller that returns it passes the question to its own callers
        (``Agent.on_interval`` returning ``self._protocol.on_interval(…)``)."""
        for call in self._call_sites.get(function, ()):
            if call.use == "return" and call.caller and call.caller not in seen:
                if self._result_kept(call.caller, seen | {function}):
                    return True
            elif _kept(call):
                return True
        return False

    def _decorator_function(self, fact: FunctionFact, decorator: str) -> str:
        """A decorator's qualified name: one the module defines itself is named bare."""
        if decorator in self.project.functions or "." in decorator:
            return decorator
        module = self.project.module_of(fact.qualname)
        return f"{module}.{decorator}" if module else decorator

    def _runs_wrapped_once(self, decorator: str) -> bool:
        """Every wrapper the decorator hands back calls the function it wraps only under a
        once-guard (``if cache_name in self._initialized: return`` … ``func(*args)`` …
        ``self._initialized[cache_name] = True``): the decorated body runs once per object at most."""
        project = self.project
        wrappers = self._wrappers_of(decorator)
        if not wrappers:
            return False
        for wrapper in wrappers:
            parent = project.functions.get(wrapper.rsplit(".", 1)[0])
            wrapped = {f"local:{p}" for p in (parent.params if parent else ())}
            calls = [c for c in self._calls_by_caller.get(wrapper, ()) if c.target in wrapped]
            if not calls or not all(c.guarded for c in calls):
                return False
        return True

    def _floor(self, fact: FunctionFact) -> Optional[Frequency]:
        """What a function is at least, whoever calls it: import time, a callback, a closure,
        a constructor."""
        floor: Optional[Frequency] = None
        if fact.qualname in self._import_time or fact.qualname in self.project.import_time_functions:
            floor = _IMPORT
        elif fact.qualname in self._script_time:
            floor = _SCRIPT
        script = self._entry_points.get(fact.qualname)
        if script:  # a console script's function, or a command its click group or Typer app dispatches to
            floor = _higher(floor, Frequency(ONCE, f"it is {script}: it runs once per process", entry=True))
        for reference, _call in self._references.get(fact.qualname, ()):
            receiver = reference.split(":", 1)[-1]
            method = receiver.replace("|", ".").rsplit(".", 1)[-1]
            if method in self.project.kb.once_per_handover:
                continue  # an edge from the function that hands it over: as often as that runs
            if reference.endswith("atexit.register"):
                floor = _higher(floor, Frequency(ONCE, "it runs once, at exit"))
            elif reference.endswith("os.register_at_fork"):
                floor = _higher(floor, Frequency(ONCE, "it runs once per process, after a fork"))
            elif method in self.project.kb.child_process_handovers:
                floor = _higher(floor, Frequency(ONCE, f"it is the target of a new process ({method}()): "
                                                       f"it runs once in it"))
            elif method in self.project.kb.listeners:  # ``emitter.on("chunk", self.on_chunk)``: per event
                floor = _higher(floor, Frequency(PER_CALL, f"it is a listener registered with {method}()"))
            else:  # handed to ``partial``, a thread, a framework: as often as the receiver calls it
                floor = _higher(floor, Frequency(PER_CALL, f"it is handed to {method}()", assumed=True))
        if fact.nested:  # as often as whoever gets the closure calls it: not shown here
            floor = _higher(floor, Frequency(PER_CALL, "it is a closure made per call", assumed=True))
        if fact.name in self.project.kb.per_object_functions and fact.class_qualname and (
                fact.name.startswith("__") or not any(per_event_object(p) and p not in fact.flag_params
                                                       for p in fact.params)):
            # ``start(self)`` runs once per object; ``start(self, run)`` once per run it is given
            floor = _higher(floor, self._construction(fact))
        return floor

    @cached_property
    def _entry_points(self) -> Dict[str, str]:
        """The functions a declared script runs (function → what it is): the script's own
        function, and the commands registered on what the script names by decorator
        (``@cli.command()`` on its click group, ``@app.command()`` on its Typer app), and theirs
        in turn (``@db.command()`` on the group ``@cli.group() def db()``).  The program
        dispatches to one of them per process — unless a function also dispatches to the group
        (``cli.main(message.split())`` per chat message): then its commands run as often as that."""
        project = self.project
        script_of = dict(project.entry_points)
        commands: Dict[str, str] = {}  # command → the group it is registered on
        dispatched = self._dispatched(set(script_of))
        decorated = [(name, fact) for name, fact in project.functions.items()
                     if any("." in d for d in fact.decorators)]
        added = True
        while added:
            added = False
            for name, fact in decorated:
                group = None if name in script_of else self._registered_on(fact, script_of)
                if group is not None and group not in dispatched:
                    script_of[name], commands[name], added = script_of[group], group, True
                    dispatched |= self._dispatched({name})
        return {name: (f"a command of {commands[name].rsplit('.', 1)[-1]}, the {script}" if name in commands
                       else f"the program's entry point, the {script}")
                for name, script in script_of.items() if name in project.functions}

    def _registered_on(self, fact: FunctionFact, groups) -> Optional[str]:
        """The group among ``groups`` a decorator registers the function on (``@cli.command()``):
        a bare name is the module's — unless the class the method is defined in has a member of
        that name (``@status.setter`` on a property ``status``)."""
        project = self.project
        for decorator in fact.decorators:
            owner = decorator.rpartition(".")[0]
            if not owner:
                continue
            if "." not in owner:
                if fact.class_qualname and f"{fact.class_qualname}.{owner}" in project.functions:
                    continue
                owner = f"{project.module_of(fact.qualname) or ''}.{owner}"
            if owner in groups:
                return owner
        return None

    def _dispatched(self, groups: Set[str]) -> Set[str]:
        """The groups that a function of the project calls, or calls a method of
        (``cli.main(args)``): dispatched while the program runs, not only by its script."""
        return groups & self._called_prefixes

    @cached_property
    def _called_prefixes(self) -> Set[str]:
        """The dotted names functions call (``name:`` targets, not import-time or script code) and
        each of their dotted prefixes (``pkg.cli.cli.main`` → ``pkg.cli.cli``, …): one lookup per group."""
        found: Set[str] = set()
        for facts in self.project.modules:
            for call in facts.calls:
                if call.caller is not None and call.target.startswith("name:"):
                    parts = call.target[len("name:"):].split(".")
                    found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        return found

    def _fallback(self, fact: FunctionFact) -> Frequency:
        """Where no caller is visible: the name, then whether the function is public."""
        if self.project.kb.runs_once(fact.name):
            return Frequency(ONCE, f"its name ({fact.name}) is that of setup code", by_name=True)
        handled = next((p for p in fact.params if per_event_object(p) and p not in fact.flag_params), None)
        if handled:  # ``def handle(request)``: a handler runs once per what it handles
            return Frequency(PER_CALL, f"it handles {_article(handled)} {handled}: it runs once per {handled}",
                             assumed=True, by_parameter=True)
        if fact.name.startswith("_") and not fact.name.startswith("__"):
            return Frequency(PER_CALL, "its callers are not visible", assumed=True)
        runner = self._event_loop_runner(fact)
        if runner:
            return Frequency(ONCE, f"it runs an event loop to the end ({runner}()) and takes nothing: "
                                   f"a program's entry point", entry=True)
        return _PUBLIC

    def _event_loop_runner(self, fact: FunctionFact) -> str:
        """The event-loop runner (``asyncio.run``) a parameterless function calls, if any."""
        if fact.params:
            return ""
        targets = (call.target.partition(":")[2] for call in self._calls_by_caller.get(fact.qualname, ())
                   if call.target.startswith("name:"))
        return next((target for target in targets if target in self.project.kb.event_loop_runners), "")

    def _construction(self, fact: FunctionFact) -> Frequency:
        """``__init__`` and friends run once per object: once in all when every instance is made
        at import time (a module-level singleton)."""
        sites = self.instantiated_at(fact.class_qualname or "")
        paths = self.project.path_of_function
        name = fact.class_qualname.rsplit(".", 1)[-1]
        if sites and all(site.caller is None or self.project.is_test_path(paths.get(site.caller, "")) for site in sites):
            # a module-level singleton, and test fixtures that make their own
            return Frequency(ONCE, f"{name} is instantiated only at import time")
        if sites and all(site.caller is None or site.guarded or self.project.is_test_path(paths.get(site.caller, ""))
                         for site in sites):  # ``if not Agent._instance: Agent._instance = Agent(settings)``
            return Frequency(ONCE, f"{name} is instantiated only under a once-guard")
        metaclass = self._singleton_metaclass(fact.class_qualname)
        if metaclass:
            return Frequency(ONCE, f"{name} is a singleton: its metaclass {metaclass} makes one instance")
        return Frequency(PER_OBJECT, "it runs once per object", objects=(fact.class_qualname,))

    def _singleton_metaclass(self, cls: str) -> str:
        """The metaclass of the class (or of a base) whose ``__call__`` makes instances only under a
        once-guard (``if cls not in cls._instances: cls._instances[cls] = super().__call__(…)``)."""
        project = self.project
        for member in [cls, *project.ancestors(cls)]:
            fact = project.classes.get(member)
            metaclass = project.resolve_class(fact.metaclass, member.rpartition(".")[0]) if fact and fact.metaclass \
                else None
            if metaclass is None:
                continue
            makes = [call for method in project.methods_of(metaclass) if method.endswith(".__call__")
                     for call in self._calls_by_caller.get(method, ()) if call.target in ("super:__call__",
                                                                                           "name:type.__call__")]
            if makes and all(call.guarded for call in makes):
                return metaclass.rsplit(".", 1)[-1]
        return ""


# How many callers deep a parameter passed on is followed: each step multiplies the calls read.
_PASS_ON_DEPTH = 6


def _passed_on(domain: str) -> Optional[Tuple[str, str]]:
    """(parameter, its own domain) of an argument that passes on a parameter of the caller
    (``param:<name>=<domain>``), else None."""
    if not domain.startswith("param:"):
        return None
    name, _, own = domain[len("param:"):].partition("=")
    return name, own


def _beyond(caller: Optional[str], function: str, seen: FrozenSet[str]) -> bool:
    """A caller not to follow a parameter into: a cycle, or deeper than :data:`_PASS_ON_DEPTH`."""
    return caller is None or caller == function or caller in seen or len(seen) >= _PASS_ON_DEPTH


def _kept(call: Call) -> bool:
    """What the call returns is kept or handed on, not just applied (as a decorator's is)."""
    return call.use in ("store", "argument", "element", "receiver", "built-into") or \
        call.use.startswith("local:")


def positional_slot(fact: FunctionFact, param: str) -> str:
    """The positional slot a caller passes the parameter in (``#0`` is the first after ``self``)."""
    bound = 1 if fact.class_qualname and not any(d.endswith("staticmethod") for d in fact.decorators) else 0
    return f"#{fact.params.index(param) - bound}"


def _factory_result(head: str) -> bool:
    """The receiver of an ``attr:`` target is what a function returned (``pkg.make_pool()``)."""
    return head.endswith("()")


def _higher(a: Optional[Frequency], b: Optional[Frequency]) -> Optional[Frequency]:
    """The more frequent; between equals, the one shown by callers rather than assumed, and a
    handler's parameter rather than mere publicness."""
    if a is None:
        return b
    if b is None:
        return a
    if _RANK[b.kind] != _RANK[a.kind]:
        return b if _RANK[b.kind] > _RANK[a.kind] else a
    winner = b if _evidence(b) > _evidence(a) else a
    if (a.entry or b.entry) and not winner.entry:  # once, and reached from an entry point too: still one user's
        winner = replace(winner, entry=True)
    return winner


def _evidence(frequency: Frequency) -> int:
    return 0 if frequency.only_public else 1 if frequency.assumed else 2


def _cached_once(decorator: str, fact: FunctionFact) -> bool:
    """``@functools.cache`` on a function without parameters, ``@cached_property``."""
    last = decorator.rsplit(".", 1)[-1]
    if last == "cached_property":
        return True
    no_arguments = not [p for p in fact.params if p not in ("self", "cls")]
    return last in ("cache", "lru_cache") and no_arguments


def _explain(frequency: Frequency) -> str:
    return frequency.reason.removeprefix("it ") if frequency.reason.startswith("it ") else frequency.reason


def _article(noun: str) -> str:
    """'an event', 'a request': the message reads as a sentence."""
    return "an" if noun[:1].lower() in "aeiou" else "a"

