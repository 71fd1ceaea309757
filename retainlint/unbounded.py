"""Which containers grow with traffic and are never released: the one definition that the growth
rules (RL101, RL102, RL301, RL302), the lifecycle rule (RL104) and the reference graph's
retention chains (RL401) share.

A growth counts when it runs with traffic — the call graph says how often its function runs —
and what it adds grows with traffic: a dict or set grows by one entry per *distinct key*, so the
key domain decides (a run id grows, a class does not); a list or text grows on every call.  The
release analysis then says whether entries leave again (released on every path, swept), never
leave, or leave on some paths only (RL104).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Tuple

from retainlint.facts import ContainerDef, Mutation, Ref
from retainlint.link.callgraph import ONCE, PER_CALL, PER_OBJECT, Frequency
from retainlint.link.release import LEAKS, NEVER, Verdict

INSTANCE, TEXT, MODULE, CLASS = "instance", "text", "module", "class"
EVENT, CALL, UNKNOWN = "event", "call", "unknown"  # what a growth is known to grow with
_EVIDENCE_ORDER = (UNKNOWN, CALL, EVENT)
_SEQUENCE_METHODS = {"append", "appendleft", "extend", "extendleft", "insert", "+=", "heappush", "insort",
                     "insort_left", "insort_right"}
_KEYED_CONSTRUCTORS = {"dict", "set", "collections.defaultdict", "collections.OrderedDict", "collections.Counter",
                       "typing.Dict", "typing.Set"}


@dataclass(frozen=True)
class Growth:
    """One growth operation and what it is known to grow with."""

    mutation: Mutation
    evidence: str  # event (one entry per event) | call (one more per call) | unknown (keyed by what?)
    why: str  # "one entry per run_id", "one more on every call"
    by_name: bool  # only a function's name says how often it runs
    assumed: bool = False  # no caller is visible: it is taken to run per call because it is public


@dataclass(frozen=True)
class Unbounded:
    ref: Ref
    kind: str  # instance | text | module | class
    definitions: Tuple[ContainerDef, ...]
    growth: Tuple[Growth, ...]  # in source order
    first: Growth  # the growth to report: the first with the strongest evidence
    verdict: Verdict  # NEVER (nothing releases an entry) or LEAKS (some paths do not)

    @property
    def evidence(self) -> str:
        return self.first.evidence

    def describe(self) -> str:
        if self.kind == TEXT:
            return f"{self.ref.display()} (+= text, never reset)"
        if self.kind in (MODULE, CLASS):
            return f"{self.ref.display()} (never shrinks)"
        return f"{self.ref.display()} ({self.first.mutation.method}, never shrinks)"


def confidence(growth: Growth, lifetime: str) -> str:
    """How sure a finding is, from what the growth is known to grow with and how long its holder
    is known to live (``process``: a root holds it; ``long``: it serves an emitter not shown to
    live long, so it grows for as long as that emitter does;
    ``unknown``: its users make it; ``short``/``internal``: the project makes it per call or
    keeps it on objects not shown to live long — see :mod:`retainlint.lifetime`)."""
    if growth.by_name or growth.evidence == UNKNOWN or lifetime in ("short", "internal"):
        return "low"
    if lifetime == "long":  # a listener on an emitter not shown to live long: it grows while that lives
        return "medium"
    if lifetime != "process":
        return "medium" if growth.evidence == EVENT else "low"
    return "medium" if growth.evidence == CALL and growth.assumed else "high"


def _memo_keeps(project, memo: Ref, grown: Ref) -> bool:
    """The get-or-create's container keeps every entry it is given (nothing releases, empties or
    rebinds it after it is made, and it holds no entry weakly) and lives at least as long as the
    container grown inside it (a module global, or a slot of the same object): then the block runs
    once per key.  A memo that forgets (``pop``), or one per object filling a global, runs the
    block again."""
    if not (memo.kind == "global" or memo.kind == grown.kind == "self" and memo.owner == grown.owner):
        return False
    if any(d.weak for d in project.containers.get(memo, ())):
        return False  # a WeakValueDictionary forgets an entry once its value dies: the block runs again
    return project.release.verdict(memo).status == NEVER


def _sorted(growth) -> Tuple[Growth, ...]:
    return tuple(sorted(growth, key=lambda g: (g.mutation.span.line, g.mutation.span.col)))


def find_unbounded(project) -> List[Unbounded]:
    found: List[Unbounded] = []
    for ref, defs in list(project.containers.items()):
        if ref.kind not in ("self", "global") or any(d.bounded for d in defs):
            continue
        weak = any(d.weak for d in defs)
        if weak and not _keys_held_by_values(project, ref, defs):
            continue
        kind = _kind(project, ref, defs)
        if kind is None:
            continue
        growth = _sorted(g for g in (_growth(project, m, defs, kind) for m in _growing(project, ref, defs, kind))
                         if g is not None)
        if not growth:
            continue
        holds_self = any(g.mutation.value == "self" for g in growth)
        if any(g.mutation.element for g in growth) and not all(g.mutation.element for g in growth) and \
                project.release.verdict(ref, holds_self, entries=False).status not in (NEVER, LEAKS):
            # ``c[k].add(w)`` … ``finally: c[k].remove(w)``: the elements are released; what is left
            # to judge is the entries (``c[datatype] = set()``), which only removing an entry frees
            growth = tuple(g for g in growth if not g.mutation.element)
        entries = not all(g.mutation.element for g in growth)
        verdict = project.release.verdict(ref, holds_self, entries)
        if verdict.status not in (NEVER, LEAKS):
            continue
        if weak:
            note = "its values refer to their keys, so a WeakKeyDictionary never lets a key go"
            verdict = replace(verdict, note=f"{verdict.note}; {note}" if verdict.note else note)
        best = max(growth, key=lambda g: (_EVIDENCE_ORDER.index(g.evidence), not g.by_name))
        found.append(Unbounded(ref, kind, tuple(defs), growth, best, verdict))
    return found


def filled_together(items: List[Unbounded]) -> List[Tuple[Unbounded, Tuple[Unbounded, ...]]]:
    """One cause, one finding: mappings of one kind that the same function fills under the same
    key (``_STORAGES[index] = {}; _STATS[index] = {}``) grow and leak together — the first is the
    finding, the others its related locations.  (Lists that receive the same element are kept
    apart: each keeps its own copy of the traffic, under its own conditions.)"""
    groups: Dict[tuple, List[Unbounded]] = defaultdict(list)
    for item in items:
        first = item.first.mutation
        keyed = first.key.text and first.method in ("[]=", "setdefault", "[]")  # entries under a key, not elements
        together = (item.kind, item.verdict.status, first.function, first.key.text) if keyed else (id(item),)
        groups[together].append(item)
    return [(group[0], tuple(group[1:])) for group in groups.values()]


def _keys_held_by_values(project, ref: Ref, defs) -> bool:
    """A WeakKeyDictionary whose values refer to their keys (``d[obj] = Wrapper(obj)``): the
    dictionary holds each value strongly, the value holds the key, so no key ever dies."""
    return all(d.constructor.endswith("WeakKeyDictionary") for d in defs if d.weak) and any(
        m.op == "grow" and m.holds_key for m in project.mutations.get(ref, []))


def _kind(project, ref: Ref, defs) -> Optional[str]:
    scopes = {d.scope for d in defs}
    text = any(d.text for d in defs)
    if ref.kind == "self" and "instance" in scopes:
        return TEXT if text else INSTANCE
    if text:
        return None
    if ref.kind == "global":
        return MODULE
    owners = project.family(ref.owner)
    if scopes == {"class"} and not _shadowed(project, ref, owners):
        return INSTANCE if _class_made_per_call(project, ref.owner) else CLASS
    return None


def _class_made_per_call(project, cls: str) -> bool:
    """A class defined in the body of a function that runs more than once is a new class object
    each time (chameleon's ``Generator``, defined in ``Compiler.__call__`` for each template): its
    class attributes are one object's, not the process's — while the class stays in that call:
    the function does not return it, and makes every instance of it itself.  One it hands out
    (``_handlers[name] = Handler; return Handler``) lives as long as whoever keeps it."""
    function, _, name = cls.rpartition(".")
    fact = project.functions.get(function)
    if fact is None or name in fact.returns or not project.frequency(function).at_least(PER_OBJECT):
        return False
    sites = project.callgraph.instantiated_at(cls)
    return bool(sites) and all(site.caller == function for site in sites)


_SEQUENCES = {"list", "collections.deque", "deque"}


def _growing(project, ref: Ref, defs, kind: str) -> List[Mutation]:
    """Growth operations, and for a ``defaultdict`` the reads that create entries."""
    weak_entries = any(d.weak_entries for d in defs)  # ``d[k].add(q)`` into a WeakSet holds q weakly
    entry_classes = {project.resolve_class(d.entry_class) for d in defs}
    entry_class = entry_classes.pop() if len(entry_classes) == 1 else None
    mutations = [m for m in project.grows(ref) if not m.deferred and not project.runs_once(m)
                 and not (m.element and weak_entries)
                 # ``queues[k].add(x)`` on a project class's object calls its method: its own growth is its own
                 and not (m.element and project.method_defined(entry_class, m.method))]
    if defs and all(d.constructor in _SEQUENCES for d in defs):  # ``items[i] = x`` replaces: a list never grows so
        mutations = [m for m in mutations if m.method not in ("[]=", "[]+=")]
    if kind == TEXT:
        mutations = [m for m in mutations if m.method == "+="]
    if not project.creates_on_read(ref):
        return [m for m in mutations if m.method != "[]+="]  # ``d[k] += 1`` updates an existing entry
    if not mutations:  # nothing adds explicitly: the reads are what create the entries
        mutations = [m for m in project.lookups.get(ref, ()) if not m.deferred and m.key.text]
    return mutations


def _per(key) -> str:
    """What "one entry per …" counts: ``run_id``, ``uuid4()``, ``new Workflow`` (not "a new …")."""
    what = key.what or key.text
    return what[2:] if what.startswith("a ") else what


def _growth(project, mutation: Mutation, defs, kind: str) -> Optional[Growth]:
    if mutation.memo is not None and _memo_keeps(project, mutation.memo.ref, mutation.ref):
        memo = mutation.memo  # it adds once per key of that memo: judged by the memo's key
        mutation = replace(mutation, key=memo.key, param_key=memo.param_key, param_identity=memo.param_identity,
                           dedup=True)
    frequency = project.frequency(mutation.function)
    if mutation.forever and not project.runs_once(mutation) and not frequency.at_least(PER_OBJECT):
        # a program's (or a forked child's) main loop: however rarely the function starts, this repeats
        frequency = Frequency(PER_CALL, "its while True loop repeats for as long as it runs")
    wanted = (PER_CALL,) if kind in (INSTANCE, TEXT) else (PER_CALL, PER_OBJECT)
    by_name = frequency.by_name or _registration_api(project, mutation) or _callback_registration(project, mutation)
    if frequency.kind not in wanted and not (by_name and frequency.kind == ONCE):
        return None
    if frequency.kind == PER_OBJECT and all(project.made_at_setup_only(cls) for cls in frequency.objects
                                            or (project.owner_class(mutation.function),)):
        return None  # once per object, and each is made at setup (by a singleton's constructor): a fixed count
    builder = project.callgraph.filled_while_built(mutation.function) if kind in (INSTANCE, TEXT) else None
    if builder:  # ``meta = Metadata(); meta.add(request_id, …)``: it grows while one call builds it
        return Growth(mutation, UNKNOWN, f"only while {project.function_label(builder)} fills an object it has "
                                         f"just made: as many as that call adds", by_name)
    latch = mutation.latched_by
    if latch is not None and project.canonical_ref(latch) != project.canonical_ref(mutation.ref) \
            and project.release.fills_on_normal_path(latch) and project.release.verdict(latch).status == NEVER:
        return Growth(mutation, UNKNOWN, f"only while {latch.display()} is empty or small, and it never shrinks "
                                         f"once it grows", by_name)
    key = mutation.key
    keyed = mutation.dedup or mutation.method not in _SEQUENCE_METHODS and (
        mutation.method in ("[]=", "add", "setdefault", "update", "|=", "[]") or
        any(d.constructor in _KEYED_CONSTRUCTORS for d in defs))
    if keyed:
        domain = key.domain
        followed = domain in ("event", "param")
        passed = project.callgraph.passed_domain(mutation.function, mutation.param_key,
                                                 identity=mutation.param_identity) if followed else None
        if passed == "bounded":
            return None  # ``warn_once(message)`` whose every caller passes a literal: the program text bounds it
        if mutation.param_identity and passed == "unknown":
            # ``_CACHE[id(widget_type)]`` where every caller is seen and none passes a per-event or new
            # object, or what a call returns (esphome's schema caches, given module-level widget
            # types): as many entries as the objects they pass, whose number nothing here tells
            return Growth(mutation, UNKNOWN, f"keyed by the identity of what its callers pass as "
                                             f"'{mutation.param_key[0]}' (its domain is not known)", by_name)
        if passed == "event" and domain == "param":  # ``remember(key)`` called with ``request.id``
            # said, not believed: a graph built per call keys its nodes by new objects too (celery's
            # DependencyGraph), and the holder decides; the domain stays unknown
            return Growth(mutation, UNKNOWN, f"keyed by {key.what or key.text}, for which a caller passes a "
                                             f"new value per call", by_name)
        if passed is not None and passed != "event":
            return Growth(mutation, UNKNOWN, f"keyed by {key.what or key.text}, which its callers pass as values "
                                             f"of unknown domain", by_name)
        if domain in ("created", "event", "param") and project.enum_made(key.made, mutation.function):
            return None  # ``settings[Feature(flag)]``, ``hooks[event]`` with ``event: HookEvent``: one entry per member
        if domain == "created" and project.calls_plain_function(key.made, mutation.function):
            return Growth(mutation, UNKNOWN, f"keyed by what {key.made.rsplit('.', 1)[-1]}() returns (its domain is "
                                             f"not known)", by_name)
        if domain == "created" and project.hashes_by_value(key.made, mutation.function):
            return Growth(mutation, UNKNOWN, f"keyed by {key.what}, which compares by value: one entry per "
                                             f"distinct value (its domain is not known)", by_name)
        if domain == "created":
            domain = "event" if frequency.kind == PER_CALL else "bounded"
        elif domain == "slot":
            domain = "event" if _counter(project, mutation) else "unknown"
        elif domain == "self":
            domain = "event" if project.made_per_call(project.owner_class(mutation.function)) else "unknown"
        if domain == "bounded":
            return None
        if domain == "event" and frequency.kind == PER_OBJECT and \
                not any(project.made_per_call(cls) for cls in frequency.objects):
            if mutation.dedup and "self" not in key.roots and project.callgraph.passed_domain(
                    mutation.function, mutation.param_key, by_name=False) != "event":
                # ``store = STORES.get(client_id); if store is None: STORES[client_id] = …`` on the
                # way from ``App.__init__``, where no caller passes a new value per call (``uuid4()``,
                # a request's id): a memo the next object with that key finds again
                return Growth(mutation, UNKNOWN, f"one entry per distinct {_per(key)} among the objects made (a "
                                                 f"memo that the same key finds again)", by_name)
            # ``_APPS[id(router)] = app`` on the way from ``Application.__init__``: one entry per
            # object made, and nothing shows objects made per call (as for a list grown there)
            return Growth(mutation, CALL, f"one entry per {_per(key)}, one for every object made",
                          by_name, True)
        if domain == "event":  # ``start(run)`` storing by run id and returning it is no decorator
            return Growth(mutation, EVENT, f"one entry per {_per(key)}", by_name)
        return Growth(mutation, UNKNOWN, f"keyed by {key.what or key.text or 'values'} (its domain is not known)",
                      by_name)
    # a list grows whatever it adds
    if mutation.spread_param and project.callgraph.never_given(mutation.function, mutation.spread_param):
        # ``pre_inits += additional_pre_inits`` where every call here leaves it ``None`` (then ``[]``)
        return Growth(mutation, UNKNOWN, f"adds what its callers pass as '{mutation.spread_param}', which no "
                                         f"call here passes", by_name)
    if mutation.value == "weak":  # ``_RETRYERS.append(weakref.ref(self))``: a dead reference stays, its object does not
        return Growth(mutation, UNKNOWN, "one weak reference per object, which keeps nothing else alive", by_name)
    if mutation.trickle:  # bytes per thousand events: a hazard to know of, not one that takes a service down
        return Growth(mutation, UNKNOWN, "one number every N calls (a sample)", by_name)
    if _decorator_api(project, mutation):
        return Growth(mutation, CALL, "one more for every function it decorates", True)
    if frequency.kind == PER_OBJECT and not project.made_per_call(project.owner_class(mutation.function)):
        # ``Color.all.append(self)`` in __init__: one per object, and nothing shows how many are made
        return Growth(mutation, CALL, "one more for every object made", by_name, True)
    each = "on every turn of its while True loop" if mutation.forever else "on every call"
    return Growth(mutation, CALL, f"one more {each}", by_name, frequency.assumed)


def _counter(project, mutation: Mutation) -> bool:
    """``self._next_id``, which something increments: every key it gives is new."""
    owner = project.owner_class(mutation.function)
    attribute = mutation.key.text.split(".", 1)[-1]
    if owner is None or "." in attribute or "[" in attribute:
        return False
    return any(m.method == "+=" for member in project.family(owner)
               for m in project.mutations.get(Ref("self", member, attribute), ()))


def _registration_api(project, mutation: Mutation) -> bool:
    """A public function that stores what it is given and is named as configuration
    (``add_hook(fn)``, ``add_error_processor(func)``, ``watch(path)``), with no caller in the
    project: its users decide how often it runs — typically once, at setup — so only its name
    speaks, and the finding is rated low rather than silenced."""
    function = project.functions.get(mutation.function or "")
    if function is None or mutation.value != "param":
        return False
    if function.name.startswith("_") or not project.kb.is_configuration_api(function.name):
        return False
    return project.frequency(function.qualname).assumed


def _callback_registration(project, mutation: Mutation) -> bool:
    """A public method that adds the callable it is given to a list of callbacks (nicegui's
    ``app.on_shutdown(handler)``: the parameter is annotated as a callable, or the list's elements
    are called), with no caller in the project: its users register at setup, typically once each,
    so only "a public method may be called again" says it repeats — rated low, like a
    registration API known by its name."""
    function = project.functions.get(mutation.function or "")
    if function is None or function.name.startswith("_") or not project.frequency(function.qualname).assumed:
        return False
    given = ({*mutation.key.roots, mutation.spread_param} - {""}) & set(_given(function))
    if not given:
        return False
    return bool(given & set(function.callable_params)) or \
        project.canonical_ref(mutation.ref) in project.invoked_containers


def _given(function) -> Tuple[str, ...]:
    """The parameters a caller passes (not a method's ``self``), ``*handlers`` included."""
    return function.params[1 if function.class_qualname else 0:] + function.star_params


def _decorator_api(project, mutation: Mutation) -> bool:
    """``def output_validator(self, func): self._validators.append(Validator(func)); return func``
    with no caller in the project: shaped as a decorator, it runs once per function it decorates,
    when that is defined — so only its shape speaks, and the finding is rated low."""
    function = project.functions.get(mutation.function or "")
    if function is None or not project.frequency(function.qualname).assumed:
        return False
    returned = set(function.returns) & set(_given(function))
    return bool(returned & set(mutation.key.roots))  # it keeps what it hands back: the decorated function


def _shadowed(project, ref: Ref, owners) -> bool:
    """Instances of the class or a relative assign their own container over the class default."""
    return any(d.scope == "instance" for owner in owners
               for d in project.containers.get(Ref("self", owner, ref.name), ()))
