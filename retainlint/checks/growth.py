"""RL1xx: containers and text that only ever grow."""

from __future__ import annotations

from typing import Iterator, List

from retainlint.checks.context import Context
from retainlint.facts import ContainerDef, Mutation, Ref
from retainlint.findings import Finding, Related
from retainlint.lifetime import object_lifetime
from retainlint.project import PER_CALL
from retainlint.registry import check


def _per_call_growth(ctx: Context, ref: Ref, text_only: bool) -> List[Mutation]:
    """Growth that happens in code running per call (not in ``__init__`` or setup)."""
    return sorted(
        (m for m in ctx.project.grows(ref)
         if ctx.project.function_kind(m.function) == PER_CALL and (not text_only or m.method == "+=")),
        key=lambda m: (m.span.line, m.span.col))


def _instance_growth(ctx: Context, text: bool) -> Iterator[tuple]:
    """(ref, definitions, growth) for instance attributes that grow per call and never shrink."""
    project = ctx.project
    for ref, defs in list(project.containers.items()):
        if ref.kind != "self" or not any(d.scope == "instance" for d in defs):
            continue
        if any(d.bounded or d.weak for d in defs):
            continue
        is_text = any(d.text for d in defs)
        if is_text != text:
            continue
        growth = _per_call_growth(ctx, ref, text_only=text)
        if not growth or project.shrinks(ref, project.family(ref.owner)):
            continue
        yield ref, defs, growth


def _growth_finding(ctx: Context, code: str, ref: Ref, defs: List[ContainerDef], growth: List[Mutation],
                    what: str) -> Finding:
    project = ctx.project
    first = growth[0]
    path = project.path_of(first.function, project.module_paths.get(ref.owner.rpartition(".")[0], ""))
    lifetime = object_lifetime(project, ctx.graph, ref.owner, [m.function for m in growth])
    confidence = lifetime.confidence
    if all(project.growth_confidence(m) == "low" for m in growth):
        confidence = "low"  # a configuration API (``add_transform(t)``): its callers decide
    where = ", ".join(sorted({project.function_label(m.function) for m in growth}))
    definition = defs[0]
    related = (Related(project.path_of(definition.function, path), definition.span, f"{ref.display()} is created here"),)
    message = f"self.{ref.name} {what} in {where} and is never {_never(code)}; {lifetime.reason}"
    return Finding(code, message, path, first.span, confidence, related=related + lifetime.related)


def _never(code: str) -> str:
    return "reset" if code == "RL102" else "shrunk, cleared or bounded"


@check("RL101")
def unbounded_attribute(ctx: Context) -> Iterator[Finding]:
    for ref, defs, growth in _instance_growth(ctx, text=False):
        yield _growth_finding(ctx, "RL101", ref, defs, growth, f"grows ({growth[0].method})")


@check("RL102")
def unbounded_text_accumulator(ctx: Context) -> Iterator[Finding]:
    for ref, defs, growth in _instance_growth(ctx, text=True):
        yield _growth_finding(ctx, "RL102", ref, defs, growth, "accumulates text with +=")


@check("RL103")
def mutable_default_accumulator(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for ref, defs in list(project.containers.items()):
        if ref.kind != "default":
            continue
        mutations = project.mutations.get(ref, [])
        growth = [m for m in mutations if m.op == "grow"]
        if not growth or any(m.op == "reset" for m in mutations):
            continue
        function = project.functions.get(ref.owner)
        nested = function is not None and function.nested
        definition = defs[0]
        label = project.function_label(ref.owner)
        lives = "each time its enclosing function runs" if nested else "once, when the function is defined"
        message = (f"the default of '{ref.name}' is built {lives} and {label} grows it "
                   f"({growth[0].method} at line {growth[0].span.line}): every call that omits it "
                   f"adds to the same {definition.constructor}")
        path = project.path_of(ref.owner, "")
        yield Finding("RL103", message, path, definition.span, "medium" if nested else "high",
                      related=(Related(path, growth[0].span, "grown here"),))
