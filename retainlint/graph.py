"""The project's reference graph: who holds whom, and which holders live as long as the process.

Nodes:
  ``class:pkg.mod.Class``       instances of a class (a project class, or an imported one by name)
  ``global:pkg.mod.NAME``       a module global — a root
  ``classattr:pkg.Class.name``  a class-level attribute — a root
  ``container:pkg.Class.name``  an instance attribute container that only ever grows — a hazard
An edge ``a → b`` means ``a`` keeps ``b`` alive through a strong reference: an attribute, a
container element, or a listener registration whose bound method pins its object.  Instances of
long-lived bases (threads, servers, handlers) are roots too; unbounded globals and class
attributes are hazards as well as roots.

Weak containers and containers that are shrunk somewhere (``RUNS.pop(id)`` in a ``finally``) make
no element edges: their elements leave again.  Registrations that a matching removal undoes make
no edges, and neither do registrations on an emitter the registering object owns: at class level
they would join every emitter of that class into one node and invent chains.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from functools import cached_property
from typing import Dict, Iterator, List, Optional, Tuple

import networkx as nx

from retainlint.facts import Holds, Listener, Ref, Span
from retainlint.project import Project
from retainlint.link.release import LEAKS, NEVER
from retainlint.unbounded import CLASS, MODULE, UNKNOWN, Unbounded

_SOURCE = "__roots__"
SCRIPT_ROOT = "module global of its __main__ block"
_NOWHERE = Span(1, 1, 1, 1)


@dataclass(frozen=True)
class Link:
    """One step of a retention chain, with where it is made in the source."""

    label: str
    path: str
    span: Span


@dataclass(frozen=True)
class Cycle:
    """A strong reference cycle closed by a back-reference (``child.parent = self``)."""

    classes: Tuple[str, ...]  # qualified names, starting with the class that holds the back-reference
    back: Link  # the attribute that should be weak
    links: Tuple[Link, ...]


def container_node(ref) -> str:
    """The node of an unbounded container."""
    return f"container:{ref.owner}.{ref.name}"


def class_node(qualname: str) -> str:
    return f"class:{qualname}"


def short(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


class ReferenceGraph:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.graph = nx.DiGraph()
        self._slot_types: Dict[Ref, str] = {}
        self._back_edges: List[Tuple[str, str]] = []
        for qualname in project.classes:
            self.graph.add_node(class_node(qualname), kind="class", label=short(qualname))
        for facts in project.modules:
            for holds in facts.holds:
                self._add_holds(holds, facts.path, facts.module)
        for facts in project.modules:
            for listener in facts.listeners:
                self._add_listener(listener, facts.path)
        for item in project.unbounded:  # what never shrinks: one released on some paths only is RL104's
            if item.evidence != UNKNOWN and not item.first.by_name and item.verdict.status == NEVER:
                self._add_hazard(item)
        for qualname in project.classes:
            base = self.long_lived_base(qualname)
            if base and not (base in project.kb.registered_bases and project.registered_while_owned(qualname)) \
                    and not self._runs_to_an_end(qualname):
                self.graph.nodes[class_node(qualname)]["root"] = f"a {base}"
        self._drop_fresh_edges_of_import_instances()

    # ------------------------------------------------------------------ building
    def _drop_fresh_edges_of_import_instances(self) -> None:
        """``g = AttributeDict(); g.response = adapter`` fills an object the function just built;
        when a root holds that class only through instances made at import (``CONFIG =
        AttributeDict()``), the slot is never one of theirs, so it is no path from the root."""
        fresh: Dict[str, List[str]] = defaultdict(list)
        for source, target, data in self.graph.edges(data=True):
            if data.get("fresh") and source.startswith("class:"):
                fresh[source].append(target)
        for source, targets in fresh.items():
            qualname = source[len("class:"):]
            if self._import_instances(qualname) and not self.held_beyond_import_instances(qualname):
                self.graph.remove_edges_from((source, target) for target in targets)

    def _import_instances(self, qualname: str) -> List[Tuple[str, str]]:
        """The edges from module globals to the instances of the class made at import."""
        target = class_node(qualname)
        project = self.project
        return [(f"global:{name}", target) for name, cls in project.global_instance_classes.items()
                if project.resolve_class(cls, name.rsplit(".", 1)[0]) == qualname
                and self.graph.has_edge(f"global:{name}", target)]

    def _runs_to_an_end(self, qualname: str) -> bool:
        """A thread whose ``run()`` — its class's or the nearest project ancestor's — loops nowhere,
        serves nothing and waits for nothing, directly or through project code, and makes no call
        whose end the project does not show (Whoosh's ``AsyncWriter``: wait for the lock, replay
        the buffered calls, commit): it lives while that work runs, and then ``threading`` lets it
        go.  What else holds it, or what the places that make it show, decides how long its
        instances live.  A thread with no ``run()`` of the project's runs a ``target``: a root."""
        if not set(self.project.ancestors(qualname)) & self.project.kb.thread_bases:
            return False
        for cls in (qualname, *self.project.ancestors(qualname)):
            run = f"{cls}.run"
            if run in self.project.functions:
                return not self.project.callgraph.may_run_on(run)
        return False

    def long_lived_base(self, qualname: str) -> Optional[str]:
        """The base (a thread, a server …) that makes the class a root of its own, if any."""
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

    def _add_edge(self, holder: Tuple[str, str, Optional[str]], target: str, via: str, path: str, span: Span,
                  label: Optional[str] = None, registration: Optional[Listener] = None) -> bool:
        node, slot, root = holder
        if node not in self.graph:
            self.graph.add_node(node, kind=node.split(":", 1)[0], label=slot)
        if root and (root != SCRIPT_ROOT or not self.graph.nodes[node].get("root")):
            self.graph.nodes[node]["root"] = root  # bound at import too: a root whether or not run as a script
        if node == target or self.graph.has_edge(node, target):
            return False
        self.graph.add_edge(node, target, label=label or slot, via=via, path=path, span=span,
                            registration=registration)
        return True

    def _add_holds(self, holds: Holds, path: str, module: str) -> None:
        if holds.via == "element" and self._element_released(holds.owner):
            return
        target = self._class_node(holds.held, module)
        if target is None:
            return
        if holds.via in ("attribute", "annotation") and holds.owner.kind == "self":
            self._slot_types.setdefault(holds.owner, target)
        if self._in_child_process(holds):
            return
        binds_slot = holds.via in ("attribute", "annotation")
        if holds.owner.kind in ("global", "self") and binds_slot and holds.function is not None and \
                self.project.release.bound_for_with_block(holds.owner, holds.function, holds.span.line):
            return  # ``_errors = ConfigErrors()`` for a with block, bound back after it: no root
        holder = self._holder(holds.owner)
        if holder[2] == "class attribute" and self._binds_on_instance(holds):
            holder = (class_node(holds.owner.owner), holder[1], None)
        if holds.script and holder[2] == "module global":
            holder = (holder[0], holder[1], SCRIPT_ROOT)
        elif holder[2] and self.project.is_test_path(path):
            holder = (holder[0], holder[1], None)  # a test's globals live as long as a test run, not a service
        existed = self.graph.has_edge(holder[0], target)
        if self._add_edge(holder, target, holds.via, path, holds.span):
            self.graph.edges[holder[0], target]["fresh"] = holds.fresh
            self.graph.edges[holder[0], target]["replaced"] = \
                self.project.replaced_by(holds.owner) if binds_slot else None
            if holds.back:
                self._back_edges.append((holder[0], target))
        elif existed and not holds.fresh:
            self.graph.edges[holder[0], target]["fresh"] = False  # also stored on instances not just built
        if existed and holds.via == "element":
            # ``self.current = s`` then ``self.sessions.append(s)``: one edge between the two classes,
            # and a container on it keeps every object, whatever slot is bound anew
            self.graph.edges[holder[0], target].update(element=True, replaced=None, label=holder[1],
                                                       path=path, span=holds.span)

    def _binds_on_instance(self, holds: Holds) -> bool:
        """``self.properties = props`` in a method binds the instance's own attribute, which shadows
        the class default (``properties = {}``): the object is held by the instance, not the class."""
        if holds.via not in ("attribute", "annotation") or holds.function is None:
            return False
        fact = self.project.functions.get(holds.function)
        return fact is not None and fact.instance_method and fact.first_param != "cls"

    def _in_child_process(self, holds: Holds) -> bool:
        """``self.server = Server(…)`` in a ``multiprocessing.Process``'s ``run()``: it runs in the
        child, so the object the parent keeps never holds it (daphne's DaphneProcess)."""
        if holds.owner.kind != "self" or not (holds.function or "").endswith(".run"):
            return False
        return bool(set(self.project.ancestors(holds.owner.owner)) & self.project.kb.child_process_bases)

    def _add_listener(self, listener: Listener, path: str) -> None:
        """A strong registration of a bound method (or closure over ``self``) makes the emitter
        hold the registering object, until a matching removal."""
        if (listener.action != "add" or not listener.strong or listener.one_shot or not listener.callback_self
                or listener.target_ref is None or self.project.is_removed(listener)
                or self.project.owns_target(listener) or listener.callee in self.project.functions):
            return  # the project's own ``on(…)`` function holds nothing itself
        owner = self.project.owner_class(listener.function)
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
        callback = listener.callback.replace("self.", f"{short(owner)}.", 1)
        self._add_edge(holder, class_node(owner), "listener", path, listener.span,
                       label=f"{holder[1]} (listener {callback})", registration=listener)

    def _add_hazard(self, item: Unbounded) -> None:
        """Mark what only grows: an instance container becomes a node of its own."""
        if item.kind in (MODULE, CLASS):
            node, label, root = self._holder(item.ref)
            if node not in self.graph:
                self.graph.add_node(node, kind=node.split(":", 1)[0], label=label, root=root)
            self.graph.nodes[node]["hazard"] = "never shrinks"
            return
        node = container_node(item.ref)
        path = self.project.path_of(item.first.mutation.function, "")
        self.graph.add_node(node, kind="container", label=item.ref.display(), hazard=item.describe())
        self._add_edge((class_node(item.ref.owner), item.ref.display(), None), node, "container", path,
                       item.first.mutation.span)

    def _element_released(self, ref: Ref) -> bool:
        defs = self.project.containers.get(ref, ())
        if any(c.weak or c.bounded for c in defs):
            return True
        made = self.project.global_instance_class(f"{ref.owner}.{ref.name}") if ref.kind == "global" else None
        if made is not None and self.project.evicting_container(made):
            return True  # ``_RECENT = CappedDict(100)``: a project container that evicts on insert
        return self.project.release.verdict(ref).status not in (NEVER, LEAKS)

    # ------------------------------------------------------------------ chains
    @cached_property
    def _steady(self) -> nx.DiGraph:
        """The graph without the slots a per-call function binds anew (see
        :meth:`Project.replaced_by`): what a root keeps for good, not one object at a time."""
        replaced = [(a, b) for a, b, by in self.graph.edges(data="replaced") if by]
        if not replaced:
            return self.graph
        steady = self.graph.copy()  # once: a filtered view is slow to walk from every root
        steady.remove_edges_from(replaced)
        return steady

    @cached_property
    def _root_paths(self) -> Dict[str, List[str]]:
        """The shortest path from a root to each node — from a script's ``__main__`` globals only
        where no other root reaches it, so that a chain says "when run as a script" only then,
        and through a slot bound anew per call only where nothing keeps the object for good."""
        roots = [node for node, data in self.graph.nodes(data=True) if data.get("root") not in (None, SCRIPT_ROOT)]
        scripts = [node for node, data in self.graph.nodes(data=True) if data.get("root") == SCRIPT_ROOT]
        passes = [(self._steady, roots)]
        if scripts:
            passes.append((self._steady, roots + scripts))
        if self._steady is not self.graph:
            passes.append((self.graph, roots + scripts))
        paths: Dict[str, List[str]] = {}
        for graph, sources in passes:  # each pass only where it can reach more than the one before
            for node, path in _shortest_paths(graph, sources).items():
                paths.setdefault(node, path)
        return paths

    def replaced_link(self, qualname: str) -> Optional[Tuple[str, str]]:
        """(slot, function) of the first slot on the chain to the class that a per-call function
        binds anew: the chain keeps the latest object, not every one."""
        path = self._root_paths.get(class_node(qualname), [])
        for holder, held in zip(path[1:], path[2:]):
            edge = self.graph.edges[holder, held]
            if edge.get("replaced"):
                return edge["label"], edge["replaced"]
        return None

    def collecting_root_chain(self, qualname: str) -> Optional[List[Link]]:
        """The shortest chain to a class's instances from a root other than the class itself that
        keeps every one of them, through a container on the way (a module list of threads, where
        the class is a root of its own as a thread): what keeps the instances after they are done.
        A chain of single slots keeps one at a time (``_LAST = Worker()``).  Like
        :meth:`retention_chain`, it leaves out slots bound anew per call and roots that exist only
        when a module runs as a script.  None when no such root reaches them."""
        node = class_node(qualname)
        steady = self._steady
        if node not in steady:
            return None
        came_from: Dict[str, str] = {node: node}
        frontier = [node]
        while frontier:  # breadth first, from the class back towards the roots
            following = []
            for held in frontier:
                for holder in steady.predecessors(held):
                    if holder in came_from:
                        continue
                    came_from[holder] = held
                    if steady.nodes[holder].get("root") not in (None, SCRIPT_ROOT):
                        nodes = [holder]
                        while nodes[-1] != node:
                            nodes.append(came_from[nodes[-1]])
                        if any(steady.edges[a, b].get("via") == "element" or steady.edges[a, b].get("element")
                               for a, b in zip(nodes, nodes[1:])):
                            links = self.links(nodes)
                            links.append(Link(short(qualname), links[-1].path, links[-1].span))
                            return links
                    following.append(holder)
            frontier = following
        return None

    def script_only(self, qualname: str) -> bool:
        """Only a module's ``__main__`` block holds the class's instances: they live as long as
        the process when that module runs as a script, and not at all when it is imported (the
        demo at the bottom of a library module)."""
        path = self._root_paths.get(class_node(qualname))
        return bool(path) and self.graph.nodes[path[1]].get("root") == SCRIPT_ROOT

    def _root_label(self, node: str) -> str:
        data = self.graph.nodes[node]
        hazard = ", never shrinks" if data.get("hazard") else ""
        return f"{data['label']} ({data['root']}{hazard})"

    def links(self, nodes: List[str]) -> List[Link]:
        """The links of a path of nodes that starts at a root: the root, then each edge's slot."""
        first = self.graph.edges[nodes[0], nodes[1]] if len(nodes) > 1 else None
        links = [Link(self._root_label(nodes[0]), first["path"] if first else "",
                      first["span"] if first else _NOWHERE)]
        for holder, held in zip(nodes[1:], nodes[2:]):
            edge = self.graph.edges[holder, held]
            hazard = self.graph.nodes[held].get("hazard") if held.startswith("container:") else None
            links.append(Link(hazard or edge["label"], edge["path"], edge["span"]))
        return links

    def retention_chain(self, qualname: str) -> Optional[List[Link]]:
        """The shortest chain from a process-lifetime root to instances of a class, if any."""
        path = self._root_paths.get(class_node(qualname))
        if not path:
            return None
        nodes = path[1:]
        links = self.links(nodes)
        if len(nodes) > 1:
            links.append(Link(short(qualname), links[-1].path, links[-1].span))
        return links

    def root_path(self, node: str) -> List[str]:
        """The shortest chain to ``node`` from a root, root first: the one its findings name."""
        return self._root_paths.get(node, [None])[1:]

    def held_beyond_import_instances(self, qualname: str) -> bool:
        """A root holds instances of the class other than those made at import time and bound to
        a module global (``connectionDone = Failure(ConnectionDone())``): those are a few fixed
        objects, not the ones the program makes as it runs."""
        target = class_node(qualname)
        view = nx.restricted_view(self.graph, [], self._import_instances(qualname))
        return bool(self.graph.nodes[target].get("root")) or any(
            view.nodes[node].get("root") for node in nx.ancestors(view, target))

    def rooted_slot(self, ref: Optional[Ref]) -> Optional[List[Link]]:
        """The retention chain of the object in a slot (``Run._pubsub``), if a root holds it."""
        node = self._slot_types.get(ref) if ref is not None else None
        if node is None or node not in self._root_paths:
            return None
        return self.retention_chain(node[len("class:"):])

    def registrations_holding(self, ref: Optional[Ref]) -> List[Listener]:
        """The registrations the retention chain of the object in a slot passes through
        (``atexit`` holds a Launcher through the closure ``Launcher.launch()`` registers, and the
        Launcher holds the slot's connection): if one of them is a hazard, the slot is held
        because of it, and that registration is the finding."""
        node = self._slot_types.get(ref) if ref is not None else None
        path = self._root_paths.get(node, []) if node is not None else []
        return [self.graph.edges[a, b]["registration"] for a, b in zip(path[1:], path[2:])
                if self.graph.edges[a, b].get("registration") is not None]

    def root_chains(self, direct: bool = False) -> Iterator[Tuple[str, List[List[str]]]]:
        """For each root, the paths (shortest first) to the unbounded containers it retains
        through at least one object other than the container's owner — the chains RL401 reports.
        A root's own buffers, and a global instance's, are RL101/RL301's to report; ``direct``
        includes them (for drawing)."""
        for root, data in self.graph.nodes(data=True):
            if not data.get("root"):
                continue
            paths = nx.single_source_shortest_path(self._steady, root)
            chains = []
            for node, path in paths.items():
                if not node.startswith("container:"):
                    continue
                objects = [n for n in path[1:-1] if n.startswith("class:")]
                if direct or len(objects) >= (1 if root.startswith("class:") else 2):
                    chains.append(path)
            if chains:
                yield root, sorted(chains, key=lambda p: (len(p), p[-1]))

    def retained_through(self, ref: Ref) -> str:
        """", its entries retaining X (via Y)" for a registry whose elements hold unbounded containers."""
        node = self._holder(ref)[0]
        if node not in self.graph:
            return ""
        paths = nx.single_source_shortest_path(self._steady, node)
        hazards = sorted((p for n, p in paths.items() if n.startswith("container:")), key=len)
        if not hazards:
            return ""
        via = " → ".join(link.label for link in self.links(hazards[0])[1:])
        return f", and its entries retain {via}"

    # ------------------------------------------------------------------ cycles
    def cycles(self) -> Iterator[Cycle]:
        """Instance-level cycles: a back-reference ``child.parent = self`` whose target holds the
        child (directly or through other objects) through strong attribute or element edges."""
        strong = self.graph.edge_subgraph(
            (a, b) for a, b, via in self.graph.edges(data="via")
            if via in ("attribute", "annotation", "element") and a.startswith("class:") and b.startswith("class:"))
        for holder, target in self._back_edges:
            if holder not in strong or target not in strong or not nx.has_path(strong, target, holder):
                continue
            forward = nx.shortest_path(strong, target, holder)
            nodes = [holder] + forward
            links = tuple(Link(self.graph.edges[a, b]["label"], self.graph.edges[a, b]["path"],
                               self.graph.edges[a, b]["span"]) for a, b in zip(nodes, nodes[1:]))
            yield Cycle(tuple(n[len("class:"):] for n in nodes[:-1]), links[0], links)


def _shortest_paths(graph: nx.DiGraph, sources: List[str]) -> Dict[str, List[str]]:
    """The shortest path from any of the sources to each node, breadth first in the sources'
    and the edges' order; each path starts with a node of its own that leads to every source
    (the path's second node is the root).  No copy of the graph is made."""
    paths: Dict[str, List[str]] = {_SOURCE: [_SOURCE]}
    queue = deque()
    for source in sources:
        if source not in paths:
            paths[source] = [_SOURCE, source]
            queue.append(source)
    while queue:
        node = queue.popleft()
        for successor in graph.successors(node):
            if successor not in paths:
                paths[successor] = paths[node] + [successor]
                queue.append(successor)
    return paths


def render_chain(links: List[Link]) -> str:
    return " → ".join(link.label for link in links)
