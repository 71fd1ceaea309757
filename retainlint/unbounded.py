"""Which containers only ever grow: the one definition that the growth rules (RL101, RL102,
RL301, RL302) and the reference graph's retention chains (RL401) share.

A container is unbounded when code that runs with traffic (per call; for registries also once
per object) grows it, and nothing anywhere shrinks, clears, trims, rebinds or bounds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

from retainlint.facts import ContainerDef, Mutation, Ref
from retainlint.findings import CONFIDENCE_ORDER
from retainlint.project import PER_CALL, PER_OBJECT, Project

INSTANCE, TEXT, MODULE, CLASS = "instance", "text", "module", "class"


@dataclass(frozen=True)
class Unbounded:
    ref: Ref
    kind: str  # instance | text | module | class
    definitions: Tuple[ContainerDef, ...]
    growth: Tuple[Mutation, ...]  # in source order
    first: Mutation  # the growth to report: the first of those rated highest
    rating: str  # how surely it grows with traffic: "low" for configuration APIs and the like

    def describe(self) -> str:
        if self.kind == TEXT:
            return f"{self.ref.display()} (+= text, never reset)"
        if self.kind in (MODULE, CLASS):
            return f"{self.ref.display()} (never shrinks)"
        return f"{self.ref.display()} ({self.first.method}, never shrinks)"


def _sorted(mutations) -> Tuple[Mutation, ...]:
    return tuple(sorted(mutations, key=lambda m: (m.span.line, m.span.col)))


def _rated(project: Project, ref: Ref, kind: str, defs, growth) -> Unbounded:
    ratings = [project.growth_confidence(m) for m in growth]
    best = max(ratings, key=CONFIDENCE_ORDER.__getitem__)
    first = next(m for m, rating in zip(growth, ratings) if rating == best)
    return Unbounded(ref, kind, tuple(defs), growth, first, best)


def find_unbounded(project: Project) -> List[Unbounded]:
    found: List[Unbounded] = []
    for ref, defs in list(project.containers.items()):
        if ref.kind not in ("self", "global") or any(d.bounded or d.weak for d in defs):
            continue
        scopes = {d.scope for d in defs}
        owners = project.family(ref.owner) if ref.kind == "self" else None
        if ref.kind == "self" and "instance" in scopes:
            text = any(d.text for d in defs)
            growth = _sorted(m for m in project.grows(ref)
                             if project.function_kind(m.function) == PER_CALL and (not text or m.method == "+="))
            kind = TEXT if text else INSTANCE
        elif any(d.text for d in defs):
            continue
        elif ref.kind == "global" or (scopes == {"class"} and not _shadowed(project, ref, owners)):
            growth = _sorted(m for m in project.grows(ref)
                             if project.function_kind(m.function) in (PER_CALL, PER_OBJECT))
            kind = MODULE if ref.kind == "global" else CLASS
        else:
            continue
        if growth and not project.shrinks(ref, owners):
            found.append(_rated(project, ref, kind, defs, growth))
    return found


def _shadowed(project: Project, ref: Ref, owners) -> bool:
    """Instances of the class or a relative assign their own container over the class default."""
    return any(d.scope == "instance" for owner in owners
               for d in project.containers.get(Ref("self", owner, ref.name), ()))
