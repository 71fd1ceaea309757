"""RL1xx: containers and text that only ever grow."""

from __future__ import annotations

from typing import Iterator

from retainlint.checks.context import Context
from retainlint.findings import Finding, Related
from retainlint.lifetime import object_lifetime
from retainlint.registry import check
from retainlint.unbounded import INSTANCE, TEXT, Unbounded


def _growth_finding(ctx: Context, code: str, item: Unbounded, what: str) -> Finding:
    project = ctx.project
    ref, growth = item.ref, item.growth
    first = growth[0]
    path = project.path_of(first.function, project.module_paths.get(ref.owner.rpartition(".")[0], ""))
    lifetime = object_lifetime(project, ctx.graph, ref.owner, [m.function for m in growth])
    confidence = "low" if item.rating == "low" else lifetime.confidence  # "low": a configuration API
    where = ", ".join(sorted({project.function_label(m.function) for m in growth}))
    definition = item.definitions[0]
    related = (Related(project.path_of(definition.function, path), definition.span, f"{ref.display()} is created here"),)
    message = f"self.{ref.name} {what} in {where} and is never {_never(code)}; {lifetime.reason}"
    return Finding(code, message, path, first.span, confidence, related=related + lifetime.related)


def _never(code: str) -> str:
    return "reset" if code == "RL102" else "shrunk, cleared or bounded"


@check("RL101")
def unbounded_attribute(ctx: Context) -> Iterator[Finding]:
    for item in ctx.project.unbounded:
        if item.kind == INSTANCE:
            yield _growth_finding(ctx, "RL101", item, f"grows ({item.growth[0].method})")


@check("RL102")
def unbounded_text_accumulator(ctx: Context) -> Iterator[Finding]:
    for item in ctx.project.unbounded:
        if item.kind == TEXT:
            yield _growth_finding(ctx, "RL102", item, "accumulates text with +=")


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
