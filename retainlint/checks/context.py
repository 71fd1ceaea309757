"""What every check receives: the project's facts and its reference graph."""

from __future__ import annotations

from dataclasses import dataclass

from retainlint.graph import ReferenceGraph
from retainlint.project import Project


@dataclass
class Context:
    project: Project
    graph: ReferenceGraph

    @classmethod
    def build(cls, project: Project) -> "Context":
        return cls(project, ReferenceGraph(project))
