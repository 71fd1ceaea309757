"""The project's reference graph: who holds whom, and which holders live as long as the process.

Nodes are ``class:pkg.mod.Class`` (instances of a project class), ``global:pkg.mod.NAME`` (module
globals) and ``classattr:pkg.mod.Class.name`` (class-level attributes).  An edge ``a → b`` means
``a`` keeps ``b`` alive through a strong reference: an attribute, a container element, or a
listener registration whose bound method pins its object.  Globals, class attributes and
instances of long-lived bases (threads, servers, handlers) are the roots.

Weak containers and containers that are shrunk somewhere (``RUNS.pop(id)`` in a ``finally``)
make no element edges: their elements leave again, so they do not decide anyone's lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Dict, List, Optional, Tuple

import networkx as nx

from retainlint.facts import Holds, Listener, Ref, Span
from retainlint.project import Project

_SOURCE = "__roots__"


@dataclass(frozen=True)
class Link:
    """One step of a retention chain, with where it is made in the source."""

    label: str
    path: str
    span: Span


def class_node(qualname: str) -> str:
    return f"class:{qualname}"


def short(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


class ReferenceGraph:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.graph = nx.DiGraph()
        self._slot_types: Dict[Ref, str] = {}
        for qualname in project.classes:
            self.graph.add_node(class_node(qualname), kind="class", label=short(qualname))
        for facts in project.modules:
            for holds in facts.holds:
                self._add_holds(holds, facts.path, facts.module)
        for facts in project.modules:
            for listener in facts.listeners:
                self._add_listener(listener, facts.path)
        for qualname in project.classes:
            base = self._long_lived_base(qualname)
            if base:
                self.graph.nodes[class_node(qualname)]["root"] = f"a {base}"

    def _long_lived_base(self, qualname: str) -> Optional[str]:
        for base in self.project.ancestors(qualname):
            if base in self.project.kb.long_lived_bases:
                return base
        return None

    def _class_node(self, dotted: str, module: str) -> Optional[str]:
        """The node for instances of a class: a project class, or an imported one by its dotted
        name (``pkg.emitter.EventEmitter``) when its source is not among the checked files."""
        resolved = self.project.resolve_class(dotted, module)
        if resolved is not None:
            return class_node(resolved)
        if "." in dotted and dotted.rsplit(".", 1)[-1][:1].isupper():
            node = class_node(dotted)
            if node not in self.graph:
                self.graph.add_node(node, kind="external", label=short(dotted))
            return node
        return None

    def _holder(self, ref: Ref) -> Tuple[str, str, Optional[str]]:
        """(node, label of the slot, root description or None) for the owner of a Holds edge."""
        if ref.kind == "global":
            return f"global:{ref.owner}.{ref.name}", ref.name, "module global"
        scopes = {c.scope for c in self.project.containers.get(ref, ())}
        if "class" in scopes and "instance" not in scopes:
            return f"classattr:{ref.owner}.{ref.name}", f"{short(ref.owner)}.{ref.name}", "class attribute"
        return class_node(ref.owner), f"{short(ref.owner)}.{ref.name}", None

    def _add_edge(self, holder: Tuple[str, str, Optional[str]], target: str, via: str, path: str, span: Span) -> None:
        node, label, root = holder
        if node not in self.graph:
            self.graph.add_node(node, kind=node.split(":", 1)[0], label=label)
        if root:
            self.graph.nodes[node]["root"] = root
        if node == target or self.graph.has_edge(node, target):
            return
        self.graph.add_edge(node, target, label=label, via=via, path=path, span=span)

    def _add_holds(self, holds: Holds, path: str, module: str) -> None:
        if holds.via == "element" and self._element_released(holds.owner):
            return
        target = self._class_node(holds.held, module)
        if target is None:
            return
        if holds.via in ("attribute", "annotation") and holds.owner.kind == "self":
            self._slot_types.setdefault(holds.owner, target)
        self._add_edge(self._holder(holds.owner), target, holds.via, path, holds.span)

    def _add_listener(self, listener: Listener, path: str) -> None:
        """A strong registration of a bound method (or closure over ``self``) makes the emitter
        hold the registering object, until a matching removal."""
        if (listener.action != "add" or not listener.strong or listener.one_shot or not listener.callback_self
                or listener.target_ref is None or self.project.is_removed(listener)):
            return
        function = self.project.functions.get(listener.function or "")
        owner = function.class_qualname if function is not None else None
        if owner is None and listener.function:
            owner = self.project.resolve_class(listener.function.rsplit(".", 2)[0])
        if owner is None:
            return
        ref = listener.target_ref
        if ref.kind == "global":
            name = f"{ref.owner}.{ref.name}" if ref.name else ref.owner
            holder = (f"global:{name}", ref.name or ref.owner, "module global")
        elif ref.kind == "self" and ref in self._slot_types:
            emitter = self._slot_types[ref]
            holder = (emitter, self.graph.nodes[emitter]["label"], None)
        else:
            return
        self._add_edge(holder, class_node(owner), "listener", path, listener.span)

    def _element_released(self, ref: Ref) -> bool:
        defs = self.project.containers.get(ref, ())
        if any(c.weak or c.bounded for c in defs):
            return True
        owners = self.project.family(ref.owner) if ref.kind == "self" else None
        return bool(self.project.shrinks(ref, owners))

    # ------------------------------------------------------------------ questions
    @cached_property
    def _root_paths(self) -> Dict[str, List[str]]:
        graph = self.graph.copy()
        graph.add_node(_SOURCE)
        for node, data in self.graph.nodes(data=True):
            if data.get("root"):
                graph.add_edge(_SOURCE, node)
        return nx.single_source_shortest_path(graph, _SOURCE)

    def retention_chain(self, qualname: str) -> Optional[List[Link]]:
        """The shortest chain from a process-lifetime root to instances of a class, if any."""
        path = self._root_paths.get(class_node(qualname))
        if not path:
            return None
        nodes = path[1:]
        root = nodes[0]
        data = self.graph.nodes[root]
        first_span = None
        first_path = ""
        if len(nodes) > 1:
            edge = self.graph.edges[nodes[0], nodes[1]]
            first_span, first_path = edge["span"], edge["path"]
        links = [Link(f"{data['label']} ({data['root']})", first_path, first_span or Span(1, 1, 1, 1))]
        for holder, held in zip(nodes[1:], nodes[2:]):
            edge = self.graph.edges[holder, held]
            links.append(Link(edge["label"], edge["path"], edge["span"]))
        if len(nodes) > 1:
            links.append(Link(short(qualname), first_path, first_span or Span(1, 1, 1, 1)))
        return links

    def rooted_slot(self, ref: Optional[Ref]) -> Optional[List[Link]]:
        """The retention chain of the object in a slot (``Run._pubsub``), if a root holds it."""
        node = self._slot_types.get(ref) if ref is not None else None
        if node is None or node not in self._root_paths:
            return None
        return self.retention_chain(node[len("class:"):])

    def holders(self, qualname: str) -> List[str]:
        """Labels of the slots that hold instances of a class (reachable from a root or not)."""
        node = class_node(qualname)
        if node not in self.graph:
            return []
        return [self.graph.edges[h, node]["label"] for h in self.graph.predecessors(node)]


def render_chain(links: List[Link]) -> str:
    return " → ".join(link.label for link in links)
