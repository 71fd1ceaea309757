"""What every check receives: the project's facts and its reference graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict

from retainlint.graph import ReferenceGraph
from retainlint.project import Project


@dataclass
class Context:
    project: Project
    graph: ReferenceGraph
    _shared: Dict[str, Any] = field(default_factory=dict)

    def shared(self, key: str, compute: Callable[["Context"], Any]) -> Any:
        """Work that several checks need (RL201 and RL202 classify the same registrations), done
        once per run."""
        if key not in self._shared:
            self._shared[key] = compute(self)
        return self._shared[key]

    @classmethod
    def build(cls, project: Project) -> "Context":
        return cls(project, ReferenceGraph(project))
