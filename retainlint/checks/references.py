"""RL4xx: what the reference graph shows — retention chains, reference cycles, stored exceptions."""

from __future__ import annotations

from typing import Iterator

from retainlint.checks.context import Context
from retainlint.findings import Finding, Related
from retainlint.graph import render_chain, short
from retainlint.lifetime import object_lifetime
from retainlint.project import MODULE, ONCE, PER_CALL
from retainlint.registry import check


@check("RL401")
def retention_chain(ctx: Context) -> Iterator[Finding]:
    graph = ctx.graph
    for _root, chains in graph.root_chains():
        links = graph.links(chains[0])
        others = sorted({graph.graph.nodes[chain[-1]]["label"] for chain in chains[1:]} -
                        {graph.graph.nodes[chains[0][-1]]["label"]})
        more = f"; it also retains {', '.join(others)}" if others else ""
        message = f"{render_chain(links)}{more}: everything these hold lives as long as the process"
        filled = links[0]  # the root's link carries the place where the root is filled
        related = tuple(Related(link.path, link.span, link.label) for link in links[1:] if link.path)
        yield Finding("RL401", message, filled.path, filled.span, "high", related=related)


@check("RL402")
def reference_cycle(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    unbounded_owners = {item.ref.owner for item in project.unbounded if item.ref.kind == "self"}
    for cycle in ctx.graph.cycles():
        members = cycle.classes
        names = " → ".join(link.label for link in cycle.links) + f" → {short(members[0])}"
        if any(m in unbounded_owners for m in members):
            confidence, why = "medium", "and a member holds a buffer that only grows"
        elif any(f"{m}.__del__" in project.functions for m in members):
            confidence, why = "medium", "and a member defines __del__"
        else:
            confidence, why = "low", "so only the cyclic garbage collector can free it"
        message = (f"reference cycle {names} {why}: make {cycle.back.label} a weakref.ref "
                   f"(it points back to the object that holds it)")
        related = tuple(Related(link.path, link.span, link.label) for link in cycle.links[1:])
        yield Finding("RL402", message, cycle.back.path, cycle.back.span, confidence, related=related)


_WHAT = {"exception": "an exception (its __traceback__ keeps every frame and local alive)",
         "exc_info": "sys.exc_info() (the traceback keeps every frame and local alive)",
         "traceback": "a traceback (it keeps every frame and local alive)"}


@check("RL403")
def stored_exception(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for facts in project.modules:
        for stored in facts.stored_exceptions:
            if project.function_kind(stored.function) in (MODULE, ONCE):
                continue  # kept once (setup, test code): one exception, not one per failure
            ref = stored.ref
            cleared = [m for m in project.mutations.get(ref, ()) if m.op in ("reset", "shrink")
                       and m.span != stored.span and project.function_kind(m.function) == PER_CALL]
            if cleared:
                continue
            if ref.kind == "global":
                # a list of them grows; a single slot pins the last one (and its frames) until the next
                confidence = "high" if stored.via == "element" else "medium"
                holder = f"module global {ref.name} lives as long as the process"
            else:
                lifetime = object_lifetime(project, ctx.graph, ref.owner, [])
                confidence, holder = lifetime.confidence, lifetime.reason
            into = f"appended to {ref.display()}" if stored.via == "element" else f"stored in {ref.display()}"
            message = (f"{_WHAT[stored.what]} is {into} and never cleared; {holder}. Keep the message "
                       f"(str(e), traceback.format_exc()) instead, or clear it when handled")
            yield Finding("RL403", message, facts.path, stored.span, confidence)
