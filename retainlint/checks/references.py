"""RL4xx: what the reference graph shows — retention chains, reference cycles, stored exceptions."""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, FrozenSet, Iterator, List, Optional, Tuple

from retainlint.checks.context import Context
from retainlint.checks.growth import holder_confidence
from retainlint.facts import Ref
from retainlint.findings import CONFIDENCE_ORDER, Finding, Related
from retainlint.graph import Link, container_node, render_chain, short
from retainlint.lifetime import after_run, object_lifetime
from retainlint.link.handed import constructor, handed_in_exceptions, parameter
from retainlint.project import MODULE, ONCE, PER_CALL
from retainlint.registry import check
from retainlint.unbounded import filled_together


@check("RL401")
def retention_chain(ctx: Context) -> Iterator[Finding]:
    """One finding per set of buffers kept, saying what no other finding says: a buffer whose own
    finding already names the root that keeps it is that finding's to report (taskiq's shared
    broker, whose handler lists each carry the chain), and the chain is only as sure as those
    findings are (it is never surer than the lifetime analysis of the objects it passes).  Roots
    that keep the same buffers (the module-global policy objects of one class, each reaching the
    same agent's buffers) are one cause, reported at the first root with the others as related
    locations."""
    graph = ctx.graph
    leaders = {container_node(other.ref): container_node(first.ref)
               for first, others in filled_together(list(ctx.project.unbounded)) for other in others}
    buffers = {container_node(item.ref): item for item in ctx.project.unbounded}
    levels: Dict[str, str] = {}  # each buffer's own finding's level, worked out when a chain reaches it

    def level_of(node: str) -> str:  # a chain is never surer than the lifetime analysis of its objects
        if node not in levels:
            levels[node] = holder_confidence(ctx, buffers[node])[0]
        return levels[node]

    causes: Dict[FrozenSet[str], List[Tuple[List[Link], List[str], str]]] = defaultdict(list)
    for root, chains in graph.root_chains():
        if graph.graph.nodes[root].get("hazard"):
            continue  # a registry that only grows: its RL301 says what its entries retain
        # a buffer whose own finding names this root, or a chain that reaches it through the chain
        # that finding names (``APP → App.server → Server.sessions`` when the finding names
        # SERVER → Server.sessions), says nothing new
        chains = [chain for chain in chains if chain[-1] in buffers and not _named_by_own_finding(graph, chain)]
        labels = [graph.graph.nodes[chain[-1]]["label"] for chain in chains]
        if len(set(labels)) < 2 or len({leaders.get(chain[-1], chain[-1]) for chain in chains}) == 1:
            # one buffer, or buffers filled together under one key (galileo's ``_tasks`` and
            # ``_retry_counts``): the first's finding carries this chain (one cause, one finding)
            continue
        level = max((level_of(chain[-1]) for chain in chains), key=CONFIDENCE_ORDER.__getitem__)
        others = sorted(set(labels[1:]) - {labels[0]})
        causes[frozenset(chain[-1] for chain in chains)].append((graph.links(chains[0]), others, level))
    for found in causes.values():
        found.sort(key=lambda item: (item[0][0].path, item[0][0].span.line, item[0][0].span.col))
        (links, others, level), alike = found[0], [links_ for links_, _, _ in found[1:]]
        message = (f"{render_chain(links)}; it also retains {', '.join(others)}: everything these hold lives as "
                   f"long as the process{_also_rooted(alike)}")
        filled = links[0]  # the root's link carries the place where the root is filled
        related = tuple(Related(link.path, link.span, link.label) for link in links[1:] if link.path)
        related += tuple(Related(root.path, root.span, f"{root.label} retains the same")
                         for root in (links_[0] for links_ in alike) if root.path)
        yield Finding("RL401", message, filled.path, filled.span, level, related=related)


def _named_by_own_finding(graph, chain: List[str]) -> bool:
    """The chain ends with the one the buffer's own finding names (from its root on, or from the
    object that root holds on): breaking that one breaks this."""
    own = graph.root_path(chain[-2])  # [its root, …, the buffer's owner]
    held = chain[:-1]  # [this root, …, the buffer's owner]
    return bool(own) and (own[0] == held[0] or len(own) > 1 and held[-(len(own) - 1):] == own[1:])


def _also_rooted(alike: List[List[Link]]) -> str:
    """" (so do 155 other roots: A, B, C and 152 more)" — the roots that keep the same buffers."""
    if not alike:
        return ""
    names = ", ".join(links[0].label.split(" (", 1)[0] for links in alike[:3])
    more = f" and {len(alike) - 3} more" if len(alike) > 3 else ""
    return f" (so do {len(alike)} other roots: {names}{more})"


@check("RL402")
def reference_cycle(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    # a buffer whose own growth is reported (not one only the low level shows) makes a cycle costly
    unbounded_owners = {item.ref.owner for item in project.unbounded
                        if item.ref.kind == "self" and holder_confidence(ctx, item)[0] != "low"}
    for cycle in ctx.graph.cycles():
        members = cycle.classes
        names = " → ".join(link.label for link in cycle.links) + f" → {short(members[0])}"
        if any(m in unbounded_owners for m in members):
            confidence, why = "medium", "and a member holds a buffer that only grows"
        elif any(f"{m}.__del__" in project.functions for m in members):
            # collected since Python 3.4 (PEP 442): what waits for the collector is the finalizer
            confidence, why = "low", "and a member defines __del__, which waits for the cyclic garbage collector"
        else:
            confidence, why = "low", "so only the cyclic garbage collector can free it"
        message = (f"reference cycle {names} {why}: make {cycle.back.label} a weakref.ref "
                   f"(it points back to the object that holds it)")
        related = tuple(Related(link.path, link.span, link.label) for link in cycle.links[1:])
        yield Finding("RL402", message, cycle.back.path, cycle.back.span, confidence, related=related)
    yield from _constructor_cycles(ctx)


def _constructor_cycles(ctx: Context) -> Iterator[Finding]:
    """``self.parser = Parser(self)``: a cycle made through a constructor — never collected when
    the new object is a C type outside the collector's reach."""
    project = ctx.project
    for facts in project.modules:
        seen = set()
        for back in facts.back_references:
            cycle = _constructor_cycle(project, back)
            if cycle is None or (back.ref, back.span) in seen:
                continue  # one finding per object made, however many ways it is handed self
            seen.add((back.ref, back.span))
            confidence, how, fix = cycle
            owner = short(back.ref.owner)
            given = "itself" if back.handed == "self" else f"its bound method {back.handed}()"
            message = (f"{owner}.{back.ref.name} = {short(back.cls)}(…) hands the new object {given} and keeps it: "
                       f"{owner} → {short(back.cls)} → {owner}; {how}. {fix}")
            yield Finding("RL402", message, facts.path, back.span, confidence)


def _constructor_cycle(project, back) -> Optional[Tuple[str, str, str]]:
    """(confidence, what the cycle costs, the fix) — None when there is no cycle or it is broken."""
    owner = back.ref.owner
    if back.handed != "self" and not _binds_instance(project, owner, back.handed):
        return None
    breaker = _link_breaker(project, back.ref)
    if breaker:
        return None
    end = _end_method(project, owner)
    where = f"in {end}()" if end else "when the object is done (close() or connection_lost())"
    fix = f"Break the link {where} (self.{back.ref.name} = None) or hand it a weakref.proxy(self) / WeakMethod"
    if back.cls in project.kb.uncollectable:
        return ("high", f"{back.cls} does not take part in garbage collection, so this cycle is never freed and "
                        f"every {short(owner)} ever made stays alive with all it holds", fix)
    cls = project.resolve_class(back.cls)
    if cls is None or not _keeps_argument(project, cls, back.argument):
        return None
    if any(f"{m}.__del__" in project.functions for m in project.family(owner) | project.family(cls)):
        return ("low", "only the cyclic collector frees it, late, and the __del__ of a class in it (closing a socket, "
                       "say) waits until then", fix)
    return ("low", "only the cyclic collector frees it", fix)


def _end_method(project, owner: str) -> Optional[str]:
    """The method the fix names for breaking the link: the first link breaker, in the knowledge
    table's order (``close`` before ``reset``), that the class or a relative defines.  Not the
    first the family yields: the family is a set, and which end a message named changed with
    string hashing (neo4j's Bolt classes have both ``close()`` and ``reset()``; ``reset()`` keeps
    the connection for reuse, so it is no place to break the link)."""
    defined = {m.rsplit(".", 1)[-1] for member in project.family(owner) for m in project.methods_of(member)}
    return next((name for name in project.kb.link_breakers if name in defined), None)


def _binds_instance(project, owner: str, method: str) -> bool:
    """``self.method`` keeps ``self`` unless the method is a classmethod or a staticmethod — or a
    property of any kind (``@property``, ``@memoized_property``): ``self.type`` is then its value.
    The definition read is the one ``self.method`` finds on the class itself (its own, then a
    base's), else a subclass's, in :meth:`Project.lineage`'s fixed order."""
    for member in project.lineage(owner):
        fact = project.functions.get(f"{member}.{method}")
        if fact is not None:
            names = [d.rsplit(".", 1)[-1] for d in fact.decorators]
            return not any(name in ("classmethod", "staticmethod") or "property" in name for name in names)
    return False


def _link_breaker(project, ref) -> Optional[str]:
    """A method that drops the link when the object is done (``self.parser = None`` in
    ``connection_lost()``)."""
    for member in project.family(ref.owner):
        for mutation in project.mutations.get(Ref("self", member, ref.name), ()):
            name = (mutation.function or "").rsplit(".", 1)[-1]
            if mutation.op == "reset" and (name in project.kb.link_breakers or name in project.kb.teardown_functions):
                return mutation.function
    return None


def _keeps_argument(project, cls: str, argument: str) -> bool:
    """The project class stores the parameter it is given on itself."""
    init = constructor(project, cls)
    if init is None:
        return False
    name = parameter(init, argument)
    return any(a.param == name and a.function == init.qualname
               for a in project.assignments_by_owner.get(init.class_qualname or "", ()))


_WHAT = {"exception": "an exception (its __traceback__ keeps every frame and local alive)",
         "exc_info": "sys.exc_info() (the traceback keeps every frame and local alive)",
         "traceback": "a traceback (it keeps every frame and local alive)",
         "frame": "a frame (it keeps every local of it and of its callers alive)"}


@check("RL403")
def stored_exception(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    kept = [(facts.path, stored) for facts in project.modules for stored in facts.stored_exceptions]
    kept += [(project.path_of_function[s.function], s) for s in handed_in_exceptions(project)]
    for path, stored in kept:
        if project.function_kind(stored.function) in (MODULE, ONCE):
            continue  # kept once (setup, test code): one exception, not one per failure
        if stored.via == "set":
            finding = _context_var_finding(ctx, path, stored)
            if finding is not None:
                yield finding
            continue
        ref = stored.ref
        if any(d.weak for d in project.containers.get(project.canonical_ref(ref), ())):
            continue  # a WeakSet of exceptions keeps none of them
        cleared = [m for m in project.mutations.get(ref, ()) if m.op in ("reset", "shrink")
                   and m.span != stored.span and project.function_kind(m.function) == PER_CALL]
        if cleared:
            continue
        if stored.guarded and stored.via == "attribute":  # ``if self._error is None: self._error = exc``: one slot, one failure
            confidence = "low"
            holder = "it is stored under a once-guard, so only the first failure is kept, once per holder"
        elif ref.kind == "global":
            # a list of them grows; a single slot pins the last one (and its frames) until the next
            confidence = "high" if stored.via == "element" else "low"
            holder = f"module global {ref.name} lives as long as the process"
        else:
            lifetime = _ending_thread(project, ctx.graph, stored) or \
                object_lifetime(project, ctx.graph, ref.owner, [stored.function])
            confidence, holder = lifetime.confidence, lifetime.reason
            if stored.via == "attribute" and confidence != "low":
                confidence, holder = _one_slot_each(ctx, ref, confidence, holder)
        into = f"appended to {ref.display()}" if stored.via == "element" else f"stored in {ref.display()}"
        instead = ("Keep what you need of it (f_code.co_name, f_lineno) instead" if stored.what == "frame" else
                   "Keep the message (str(e), traceback.format_exc()) instead, or clear it when handled")
        message = f"{_WHAT[stored.what]} is {into} and never cleared; {holder}. {instead}"
        yield Finding("RL403", message, path, stored.span, confidence)


def _one_slot_each(ctx: Context, ref: Ref, confidence: str, holder: str) -> Tuple[str, str]:
    """An attribute is one slot per object: it keeps each object's last failure, replaced by the
    next, as a module global's single slot does (low).  Failures pile up only as the objects do —
    when a root keeps every one of them through a container on the way (a registry of sessions)."""
    for held in [ref.owner] + sorted(ctx.project.subclasses(ref.owner)):  # a subclass's instances have the slot too
        chain = ctx.graph.collecting_root_chain(held)
        if chain is not None:
            return confidence, f"{short(held)} instances are kept, every one, by {render_chain(chain)}"
    return "low", (f"{holder}; but it is one slot, replaced by the next failure, and nothing here keeps "
                   f"{short(ref.owner)} instances piling up: one exception per instance held")


def _ending_thread(project, graph, stored):
    """``except Exception as exc: self._error = exc`` in a thread's ``run()`` — or in a method only
    ``run()`` calls (esphome's ``asyncio.run(self._runner())``), its own or its subclasses', from
    outside any loop — itself outside any loop: the thread keeps
    it as it ends, and threading lets go of the thread then, so only what holds the thread
    afterwards counts (py-cord's AudioPlayer)."""
    function = stored.function or ""
    owner = stored.ref.owner
    if stored.via != "attribute" or stored.in_loop or project.owner_class(function) != owner:
        return None
    # the run() of the class or of a subclass (beets' pipeline stages share ``abort_all``), each
    # calling it outside any loop: a worker's ``while True: … except: self.fail(exc)`` keeps one
    # exception after another while its thread lives on
    runs = {f"{cls}.run" for cls in {owner} | project.subclasses(owner)}
    if function not in runs:
        sites = project.callgraph.call_sites(function)
        if not sites or any(site.caller not in runs or site.in_loop for site in sites):
            return None
    # every class whose threads run it: the one that lives longest decides, and one held by
    # something else than its running thread (a module list of stages) leaves it to the holder
    lifetimes = [after_run(project, graph, cls) for cls in [owner, *sorted(project.subclasses(owner))]]
    if any(lifetime is None for lifetime in lifetimes):
        return None
    return max(lifetimes, key=lambda lifetime: CONFIDENCE_ORDER[lifetime.confidence])


def _cleared_after(project, ref, setter: str) -> bool:
    """Code that runs the setter also runs a ``var.set(None)``: a begin/end pair (crewai's
    ``begin_execution``/``end_execution`` in try/finally) — not a reset on some rare path that no
    caller of the setter reaches (sentry's ``reset_last_seen`` when an event is dropped)."""
    users = project.callgraph.callers_transitively(setter)
    return any(project.context_var(cleared) == ref and users & project.callgraph.callers_transitively(clearer)
               for cleared, clearer in project.context_clears)


def _context_var_finding(ctx: Context, path: str, stored) -> Optional[Finding]:
    """``self._last_seen.set(exc)``: every context (thread, asyncio task) that ever set it keeps
    its last exception, with the frames it holds, until the context ends or sets another."""
    project = ctx.project
    ref = project.context_var(stored.ref)
    if ref is None or _cleared_after(project, ref, stored.function):
        return None
    scope = {d.scope for d in project.containers.get(ref, ())}
    lives_long = ref.kind == "global" or "class" in scope or \
        object_lifetime(project, ctx.graph, ref.owner, []).confidence == "high"
    message = (f"{_WHAT[stored.what]} is set on the context variable {ref.display()}: each context that sets it "
               f"keeps its last one, with every frame and local it references, until it sets another. "
               f"Keep a weakref.ref to it, or its summary (str(exc)), instead")
    return Finding("RL403", message, path, stored.span, "high" if lives_long else "medium")
