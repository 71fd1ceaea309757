"""RL2xx: listeners, handlers and callbacks that are registered and never removed.

One registration gives one finding: RL202 when code that runs many times adds to a long-lived
target (each call adds one more), otherwise RL201 when a registration pins its callback on
something that outlives the registering code — or RL203 when a removal exists but some way the
registration's life ends (an exception, an early return, an end method) skips it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, Iterator, List, Optional, Tuple

from retainlint.checks.context import Context
from retainlint.facts import Listener, Span
from retainlint.findings import CONFIDENCE_ORDER, Finding
from retainlint.graph import Link, ReferenceGraph, render_chain
from retainlint.link.callgraph import positional_slot
from retainlint.link.release import Leak, below_high
from retainlint.project import MODULE, ONCE, PER_CALL, PER_OBJECT, Project
from retainlint.registry import check

# How long a registration's target lives, by the kind the extractor saw.
_OUTLIVES = {"global": "lives as long as the process", "param": "is passed in and outlives this call",
             "self_attr": "is not owned by this object", "self": "keeps each one while it lives"}


@dataclass(frozen=True)
class Verdict:
    code: str
    confidence: str
    chain: Optional[List[Link]]  # when the target is a slot that a process-lifetime root holds
    leaks: Tuple[Leak, ...] = ()  # RL203: the ways its life ends without the removal
    protected: bool = False  # RL203: the removal also runs when the work fails; only glue around it skips it


def _identity(listener: Listener) -> str:
    return "|".join((listener.api, listener.target, listener.event, listener.callback))


def classify(project: Project, graph: ReferenceGraph, listener: Listener) -> Optional[Verdict]:
    """The finding a registration deserves, None when it is not a hazard."""
    verdict = _if_never_removed(project, graph, listener)
    if verdict is None or not project.is_removed(listener):
        return verdict
    leaks = project.release.listener_leaks(listener.function or "", _identity(listener))
    if not leaks:
        return None
    # the removal in a ``finally`` (or a handler): only the glue around the protected work skips
    # it — a call between the registration and the ``try`` (held-out rounds: 5 of 5 FALSE)
    protected = project.release.removed_on_failure(listener.function or "", _identity(listener))
    confidence = "low" if protected else below_high(verdict.confidence, leaks)
    return Verdict("RL203", confidence, verdict.chain, tuple(leaks), protected)


def _if_never_removed(project: Project, graph: ReferenceGraph, listener: Listener,
                      follow_chain: bool = True) -> Optional[Verdict]:
    """The finding a registration deserves if nothing removed it.  ``follow_chain``: whether a
    registration the emitter's retention chain passes through is judged too (not when judging
    that registration itself: one level is what one cause, one finding needs)."""
    if listener.action != "add" or not listener.strong or listener.one_shot or listener.result_kept:
        return None
    if listener.callee in project.functions or (listener.target_kind == "self" and (
            project.own_add_method(listener) or
            project.stored_callable(project.owner_class(listener.function), listener.method))):
        # ``on("open", cb)``, ``self.subscribe(…)``: the project's own function says what it keeps,
        # or it calls a callable the object was handed (``self.subscribe = subscribe``)
        return None
    if project.holds_weakly(listener):
        return None  # the project's own add-method keeps it in a weak container (RL406 if it is a bound method)
    if listener.guarded or listener.same_object:
        return None  # registered once (``if not logger.handlers:``), or the same object again: no growth
    kind = project.function_kind(listener.function)
    if kind == MODULE or (kind == ONCE and not listener.in_while):
        return None  # setup, even over a ``for`` loop of its configuration: a fixed number of registrations
    if kind == PER_OBJECT and not listener.in_while and _in_constructor(listener) and \
            project.made_at_setup_only(project.owner_class(listener.function)):
        return None  # the constructor of objects made only at setup: as many registrations as objects
    if listener.target_kind in ("local_created",) or project.owns_target(listener):
        return None
    per_call = kind == PER_CALL or listener.in_while
    if per_call and listener.rebound:
        return None  # ``self.client = connect(); self.client.on(…)``: one registration on each object it obtains
    target = listener.target_kind
    chain = graph.rooted_slot(listener.target_ref) if target == "self_attr" else None
    if chain and follow_chain and any(_if_never_removed(project, graph, holding, follow_chain=False)
                                      for holding in graph.registrations_holding(listener.target_ref)):
        chain = None  # the emitter is held only through a registration that is a finding itself: that one is the cause
    if chain:
        target = "global"  # the slot holds an object a process-lifetime root holds
    function = project.functions.get(listener.function or "")
    frequency = project.frequency(listener.function)
    if per_call and not listener.in_while and (frequency.by_name or (
            function is not None and project.kb.runs_once(function.name))):
        return Verdict("RL202", "low", chain)  # named as setup code: it says it runs once
    if per_call and _module_function(project, listener):
        return Verdict("RL202", "low", chain)  # the same module-level function again: it pins nothing new
    if per_call and not listener.in_while and frequency.only_public:
        # only "a public function may be called again" says it repeats — even for a callback that
        # holds an object the project makes on each call of its API (pyppeteer's
        # ``Launcher(…).launch()``, TRUE): raising those to medium found 1 TRUE, 1 DEBATABLE and
        # 2 FALSE on held-out code (bokeh's ``run_until_shutdown``, clearml, ipykernel)
        return Verdict("RL202", "low", chain)
    if per_call and target == "global":  # only a handler's parameter (``handle(request)``) says so: medium
        return Verdict("RL202", "medium" if frequency.assumed and not listener.in_while else "high", chain)
    if per_call and target in ("self_attr", "self"):
        return Verdict("RL202", "medium", chain)
    if target == "self":
        return None  # registered once on the object's own registry: it dies with the object
    if _module_function(project, listener):
        return None  # it lives as long as its module anyway: registering it once keeps nothing new alive
    if not listener.callback_self and (_local_function(project, listener) or listener.callback.startswith("lambda")):
        return Verdict("RL201", "low", chain)  # a small closure that does not reach the registering object
    if target == "global":  # one per object: high when objects are shown to be made per call
        made = project.made_per_call(project.owner_class(listener.function))
        return Verdict("RL201", "high" if made else "medium", chain)
    if target in ("param", "self_attr") and not per_call and listener.callback_self and _in_constructor(listener):
        # the object hands itself to an emitter it was given: it accumulates there only if objects
        # are made again and again for one emitter; otherwise it is the emitter's companion (one
        # crypto machine per client, one broadcast per periodic-advertising sync) — of 148
        # held-out RL201 findings at medium, the 6 true were all atexit registrations, none of
        # this shape: medium needs a caller shown to hand one long-lived emitter to each object
        made = project.made_per_call(project.owner_class(listener.function))
        return Verdict("RL201", "medium" if made and _shared_emitter(project, listener) else "low", chain)
    return Verdict("RL201", "low", chain)


def _shared_emitter(project: Project, listener: Listener) -> bool:
    """Some instantiation of the registering class is shown to hand one long-lived emitter to
    object after object: it passes a module global, a slot of the calling object that the calling
    function does not bind itself (``Handler(self.bus)`` in a service's method), the calling object
    itself, or an emitter it was given, inside a loop (``for v in values: Widget(emitter)``) or from
    a caller that does so.
    An emitter made or obtained for the call (``sync = await device.create_sync(…)``;
    ``self.channel = await connect(…)`` just before ``Multiplexer(self.channel)``) dies with them."""
    owner = project.owner_class(listener.function)
    init = project.functions.get(listener.function or "")
    if owner is None or init is None or init.name != "__init__":
        return False
    head = listener.target.split(".")
    if listener.target_kind == "param":
        params = {head[0]}
    else:
        params = {a.param for a in project.assignments_by_owner.get(owner, ())
                  if a.function == init.qualname and a.param and len(head) > 1 and a.ref.name == head[1]}
    slots = {slot for param in params if param in init.params for slot in _slots_of(init, param)}
    return any(_passes_shared(project, call, slots) for call in _calls_reaching(project, init))


def _calls_reaching(project: Project, function) -> List:
    """The calls that run the function (for a constructor, instantiations and subclasses'
    ``super().__init__(…)``); none when a call may reach it unseen."""
    if function.name == "__init__" and function.class_qualname:
        return project.constructor_calls.get(function.qualname, [])
    return project.callgraph.call_sites(function.qualname) or []


def _slots_of(function, param: str) -> Tuple[str, ...]:
    """How a call passes the parameter: by keyword, or at its position."""
    return param, positional_slot(function, param)


def _passes_shared(project: Project, call, slots, depth: int = 0) -> bool:
    for slot, ref in call.containers:
        if slot in slots and (ref.kind == "global" or ref.kind == "self" and not any(
                a.function == call.caller and a.ref.name == ref.name
                for a in project.assignments_by_owner.get(ref.owner, ()))):
            return True
    caller = project.functions.get(call.caller or "")
    for slot, domain in call.arguments:
        if slot not in slots or not domain.startswith("param:"):
            continue
        name = domain[len("param:"):].split("=", 1)[0]
        if call.in_loop or caller is not None and caller.instance_method and name == caller.first_param:
            return True  # the same emitter for every object the loop makes, or the caller itself
        #              (``Child(self, request)`` in a service's method)
        if caller is not None and depth < 3 and name in caller.params and any(
                _passes_shared(project, outer, _slots_of(caller, name), depth + 1)
                for outer in _calls_reaching(project, caller)):
            return True
    return False


def _module_function(project: Project, listener: Listener) -> bool:
    """The callback is a function defined at module level, here or in a module it imports, or read
    off a class by its name — not a bound method or a closure."""
    if listener.callback_module and not listener.callback_self:
        return True
    if listener.callback_self or not listener.function:
        return False
    module = project.module_of(listener.function)
    owner, _, method = listener.callback.rpartition(".")
    if owner.isidentifier() and method.isidentifier() and project.resolve_class(owner, module or ""):
        return True  # ``MeshInterface._printLogLine``: a function read off its class, as long-lived as the module
    if not listener.callback.isidentifier():
        return False
    fact = project.functions.get(f"{module}.{listener.callback}") if module else None
    return fact is not None and not fact.nested and not fact.class_qualname


def _local_function(project: Project, listener: Listener) -> bool:
    """The callback is a function defined inside the registering function."""
    fact = project.functions.get(f"{listener.function}.{listener.callback}") if listener.function else None
    return fact is not None and fact.nested


def _in_constructor(listener: Listener) -> bool:
    return (listener.function or "").rsplit(".", 1)[-1] in ("__init__", "__post_init__", "__new__")


def _all_findings(ctx: Context) -> List[Finding]:
    """Every registration classified once; RL201 and RL202 each take their share.  One call that
    registers several callbacks (``os.register_at_fork(before=…, after_in_child=…)``) is one
    finding, naming them all, at the confidence of the surest."""
    project = ctx.project
    by_call: Dict[Tuple[str, Span, str], List[Tuple[Listener, Verdict]]] = {}
    for facts in project.modules:
        for listener in facts.listeners:
            verdict = classify(project, ctx.graph, listener)
            if verdict is not None:
                by_call.setdefault((facts.path, listener.span, verdict.code), []).append((listener, verdict))
    findings = []
    for (path, span, code), registered in by_call.items():
        listener, verdict = max(registered, key=lambda pair: CONFIDENCE_ORDER[pair[1].confidence])
        callbacks = list(dict.fromkeys(other.callback for other, _ in registered))
        several = len(callbacks) > 1
        listener = replace(listener, callback=", ".join(callbacks[:-1]) + f" and {callbacks[-1]}" if several
                           else callbacks[0], callback_self=any(other.callback_self for other, _ in registered))
        verdict = replace(verdict, leaks=tuple(dict.fromkeys(leak for _, other in registered for leak in other.leaks)))
        findings.append(Finding(code, _message(project, listener, verdict, several), path, span, verdict.confidence))
    return findings


def _message(project: Project, listener: Listener, verdict: Verdict, several: bool) -> str:
    """``several``: the listener stands for the callbacks one call registers (``listener.callback``
    names them all)."""
    where = project.function_label(listener.function)
    target = listener.target
    lives = _OUTLIVES.get(listener.target_kind, "may outlive the registering code")
    if verdict.chain:
        lives = f"is retained by {render_chain(verdict.chain)}"
    event = f" for {listener.event}" if listener.event else ""
    pinned = (" and, through them," if several else " and, through it,") + " this object" if listener.callback_self else ""
    is_, the_callback = ("are", "the callbacks") if several else ("is", "the callback")
    if listener.api == "hook" and verdict.code != "RL203":
        return (f"{where} installs {listener.callback} as {target} and keeps the hook it replaces, to chain to "
                f"it: each object that does so is kept alive by the next one's hook, and the last by {target}, for "
                f"the life of the process; restore the previous hook when done")
    if verdict.code == "RL203":
        protected = (" (the removal runs when the work fails too: only the statements around that protected "
                     "work skip it)") if verdict.protected else ""
        return (f"{listener.callback} {is_} registered on {target}{event} with {listener.method}() in {where} and "
                f"removed on some paths only{protected}: {'; '.join(leak.text for leak in verdict.leaks)}; {target} "
                f"{lives} and keeps {the_callback}{pinned} alive")
    if verdict.code == "RL202":
        return (f"{where} adds {listener.callback} to {target}{event} with {listener.method}() on every call and "
                f"nothing removes it: {target} {lives}, so registrations pile up")
    return (f"{listener.callback} {is_} registered on {target}{event} with {listener.method}() in {where} and never "
            f"removed: {target} {lives} and keeps {the_callback}{pinned} alive")


@check("RL201")
def listener_never_removed(ctx: Context) -> Iterator[Finding]:
    return (f for f in ctx.shared("listeners", _all_findings) if f.code == "RL201")


@check("RL202")
def listener_added_per_call(ctx: Context) -> Iterator[Finding]:
    return (f for f in ctx.shared("listeners", _all_findings) if f.code == "RL202")


@check("RL203")
def listener_not_removed_on_all_paths(ctx: Context) -> Iterator[Finding]:
    return (f for f in ctx.shared("listeners", _all_findings) if f.code == "RL203")
