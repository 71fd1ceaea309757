"""The reference graph for people to look at: Graphviz dot, networkx node-link JSON, Mermaid.

Roots are drawn bold, unbounded containers red; ``--only-hazards`` keeps just the retention
chains (every shortest path from a root to a container that only grows) and the cycles.
"""

from __future__ import annotations

import json
from typing import Dict

import networkx as nx

from retainlint.graph import ReferenceGraph


def export_graph(graph: ReferenceGraph, only_hazards: bool = False) -> nx.DiGraph:
    """A copy with plain, serialisable attributes (and only the hazards, if asked)."""
    source = graph.graph
    keep = set(source.nodes)
    if only_hazards:
        keep = set()
        for _, chains in graph.root_chains(direct=True):
            for chain in chains:
                keep.update(chain)
        for cycle in graph.cycles():
            keep.update(f"class:{c}" for c in cycle.classes)
    out = nx.DiGraph()
    for node in source.nodes:
        if node in keep:
            data = source.nodes[node]
            out.add_node(node, **{k: data[k] for k in ("kind", "label", "root", "hazard") if data.get(k)})
    for a, b, data in source.edges(data=True):
        if a in keep and b in keep:
            out.add_edge(a, b, label=data["label"], via=data["via"], path=data["path"], line=data["span"].line)
    return out


def to_json(graph: nx.DiGraph) -> str:
    try:
        data = nx.node_link_data(graph, edges="links")
    except TypeError:  # networkx < 3.4 has no 'edges' argument and always says "links"
        data = nx.node_link_data(graph)
    return json.dumps(data, indent=2, ensure_ascii=False)


def _node_text(data: Dict) -> str:
    if data.get("kind") == "container":
        return data["hazard"]
    text = data.get("label", "")
    if data.get("root"):
        text += f"\n({data['root']})"
    if data.get("hazard"):
        text += "\n(never shrinks)"
    return text


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: nx.DiGraph) -> str:
    lines = ["digraph retainlint {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    for node, data in graph.nodes(data=True):
        style = []
        if data.get("root"):
            style.append("style=bold")
        if data.get("hazard"):
            style.append('color=red, fontcolor=red')
        if data.get("kind") == "external":
            style.append("style=dashed")
        attrs = ", ".join([f"label={_dot_quote(_node_text(data))}"] + style)
        lines.append(f"  {_dot_quote(node)} [{attrs}];")
    for a, b, data in graph.edges(data=True):
        dashed = ", style=dashed" if data["via"] == "listener" else ""
        lines.append(f"  {_dot_quote(a)} -> {_dot_quote(b)} [label={_dot_quote(data['label'])}{dashed}];")
    lines.append("}")
    return "\n".join(lines)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", "<br/>")


def to_mermaid(graph: nx.DiGraph) -> str:
    ids = {node: f"n{index}" for index, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node, data in graph.nodes(data=True):
        lines.append(f'  {ids[node]}["{_mermaid_text(_node_text(data))}"]')
        if data.get("hazard"):
            lines.append(f"  style {ids[node]} stroke:#d00,color:#d00")
        elif data.get("root"):
            lines.append(f"  style {ids[node]} stroke-width:3px")
    for a, b, data in graph.edges(data=True):
        arrow = "-.->" if data["via"] == "listener" else "-->"
        lines.append(f'  {ids[a]} {arrow}|"{_mermaid_text(data["label"])}"| {ids[b]}')
    return "\n".join(lines)


FORMATS = {"dot": to_dot, "json": to_json, "mermaid": to_mermaid}
