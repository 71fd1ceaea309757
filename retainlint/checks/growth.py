"""RL1xx: containers and text that grow with traffic and are never released (RL101, RL102),
mutable defaults (RL103), and entries released on some paths only (RL104)."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from retainlint.checks.context import Context
from retainlint.extract.keys import identity_name
from retainlint.facts import Span
from retainlint.findings import Finding, Related
from retainlint.lifetime import object_lifetime
from retainlint.link.release import LEAKS, NEVER, RELEASED, below_high
from retainlint.registry import check
from retainlint.unbounded import EVENT, INSTANCE, TEXT, Unbounded, confidence, filled_together


def script_run_only(project, item: Unbounded) -> bool:
    """A global bound only in a ``__main__`` block that runs its statements once and exits
    (``output = []`` in a module's self-test): it lasts one run of the script, as the instances
    such a block alone holds do (see :mod:`retainlint.lifetime`)."""
    return item.ref.kind == "global" and all(d.script for d in item.definitions) and \
        not project.callgraph.script_keeps_running(project.module_paths.get(item.ref.owner, ""))


def holder_confidence(ctx: Context, item: Unbounded):
    """(confidence, reason, related) for a container's growth, from what it grows with and how
    long its holder is known to live."""
    project = ctx.project
    if script_run_only(project, item):
        return "low", (f"{item.ref.display()} is bound in a script's __main__ block, which is not shown to keep "
                       f"running (no loop, serving call or wait of its own): it may last one run of the script"), ()
    if item.ref.kind == "global" or item.kind not in (INSTANCE, TEXT) and item.ref.kind == "self":
        holder = "a module global lives as long as the process" if item.ref.kind == "global" else \
            "a class attribute lives as long as the process"
        return confidence(item.first, "process"), holder, ()
    lifetime = object_lifetime(project, ctx.graph, item.ref.owner, [g.mutation.function for g in item.growth])
    level = confidence(item.first, lifetime.level)
    if item.verdict.closed_by and lifetime.level != "process":
        # a session or a client its users close, which empties the container: its entries last
        # one object's life, which nothing here shows to be the process's
        level = "low"
    return level, lifetime.reason, lifetime.related


def growth_site(ctx: Context, item: Unbounded) -> str:
    """``Output.emit()``, ``Output.emit() and Output.replay()``: where it grows."""
    project = ctx.project
    return " and ".join(sorted({project.function_label(g.mutation.function) for g in item.growth}))


def definition_note(ctx: Context, item: Unbounded, path: str) -> Related:
    project = ctx.project
    definition = item.definitions[0]
    return Related(project.path_of(definition.function, path), definition.span, f"{item.ref.display()} is created here")


def _growth_finding(ctx: Context, code: str, item: Unbounded, what: str) -> Finding:
    project = ctx.project
    first = item.first.mutation
    path = project.path_of(first.function, project.module_paths.get(item.ref.owner.rpartition(".")[0], ""))
    level, reason, related = holder_confidence(ctx, item)
    note = f"; {item.verdict.note}" if item.verdict.note else ""
    how = project.frequency(first.function)
    runs = f" ({how.reason})" if item.evidence != "event" and how.kind == "per_call" else ""
    message = (f"{item.ref.display()} {what} in {growth_site(ctx, item)} — {item.first.why}{runs} — and is never "
               f"{'reset' if code == 'RL102' else 'released'}{note}; {reason}")
    return Finding(code, message, path, first.span, level, related=(definition_note(ctx, item, path),) + related)


def together_notes(ctx: Context, others, path: str) -> tuple:
    """Related locations for containers filled with this one, under the same key."""
    project = ctx.project
    return tuple(Related(project.path_of(other.first.mutation.function, path), other.first.mutation.span,
                         f"{other.ref.display()} grows with it, under the same key") for other in others)


@check("RL101")
def unbounded_attribute(ctx: Context) -> Iterator[Finding]:
    never = [item for item in ctx.project.unbounded if item.kind == INSTANCE and item.verdict.status == NEVER]
    for item, others in filled_together(never):
        finding = _growth_finding(ctx, "RL101", item, f"grows ({item.first.mutation.method})")
        yield replace(finding, related=finding.related + together_notes(ctx, others, finding.path))


@check("RL102")
def unbounded_text_accumulator(ctx: Context) -> Iterator[Finding]:
    for item in ctx.project.unbounded:
        if item.kind == TEXT and item.verdict.status == NEVER:
            yield _growth_finding(ctx, "RL102", item, "accumulates text with +=")


@check("RL104")
def entry_not_released_on_all_paths(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for item in project.unbounded:
        verdict = item.verdict
        if verdict.status != LEAKS or verdict.insertion is None:
            continue
        function, line = verdict.insertion
        site = next((g.mutation for g in item.growth if g.mutation.function == function
                     and g.mutation.span.line == line), item.first.mutation)
        if site.counter:
            continue  # a count carried from call to call (d[k] = d.get(k, 0) + 1): no per-call entry to release
        path = project.path_of(function, "")
        level, reason, related = holder_confidence(ctx, item if site.dedup else _within_calls(item))
        level = below_high(level, verdict.leaks)
        released = sorted({project.function_label(f) for f, _ in verdict.releases})
        where = f" (it is released in {', '.join(released)})" if released else ""
        leaks = _first_leaks(verdict.leaks)
        message = (f"an entry of {item.ref.display()} added in {project.function_label(function)} "
                   f"({item.first.why}) is not released on every path{where}: {leaks}; {reason}")
        leak_notes = tuple(Related(project.path_of(leak.function, path), _line_span(leak.line), leak.text)
                           for leak in verdict.leaks if leak.function in project.functions)
        yield Finding("RL104", message, path, site.span, level, related=leak_notes + related)


# The ways to skip a release named in the message; every one is a related location.
_LEAKS_IN_MESSAGE = 3


def _first_leaks(leaks) -> str:
    """The first few ways an entry's release is skipped: a long visitor can have sixty lines that
    may raise, and the related locations list them all."""
    shown = "; ".join(leak.text for leak in leaks[:_LEAKS_IN_MESSAGE])
    more = len(leaks) - _LEAKS_IN_MESSAGE
    return f"{shown}; and {more} more (each a related location)" if more > 0 else shown


def _within_calls(item: Unbounded) -> Unbounded:
    """An entry added and released by the same function lives for one call: whatever its key,
    every call that leaks one leaves one more behind — unless the function creates it only when
    it is missing (a get-or-create), which finds the one left behind next time."""
    if item.evidence == EVENT or not all(leak.function == item.verdict.insertion[0] for leak in item.verdict.leaks):
        return item
    first = replace(item.first, evidence=EVENT, why=f"{item.first.why}; one left behind per call that skips the release")
    return replace(item, first=first)


def _line_span(line: int) -> Span:
    return Span(line, 1, line, 1)


# Writes that add under a key (an entry, a set member): a key seen before adds nothing.
_KEYED_WRITES = ("[]=", "setdefault", "add")


def _released_by_each_call(project, ref, growth, mutations) -> bool:
    """What a call adds to the default it takes out again on every way out, so the default is
    empty between calls (a re-entrancy guard, the stack of a recursive walk): the release
    analysis finds it released on every path (``_running[key] = 1`` … ``finally:
    del _running[key]``; ``_stack.append(x)`` … ``finally: _stack.pop()``), nothing is added in a
    loop, and the function releases at least as often as it adds (two keys added and one deleted
    leave one behind per call)."""
    if project.release.verdict(ref).status != RELEASED or any(m.in_loop for m in growth):
        return False
    return len(growth) <= sum(1 for m in mutations if m.op == "shrink" and not m.in_loop)


@check("RL103")
def mutable_default_accumulator(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for ref, defs in list(project.containers.items()):
        if ref.kind != "default":
            continue
        mutations = project.mutations.get(ref, [])
        growth = [m for m in mutations if m.op == "grow" and not project.runs_once(m)  # nor a cap: ``len(d) < 64``
                  and (m.method != "[]+=" or project.creates_on_read(ref))]  # ``count[0] += 1`` updates an entry
        if not growth or any(m.op == "reset" for m in mutations):
            continue
        if any(m.op == "shrink" and (m.method == "trim" or m.method == "del" and not m.key.text) for m in mutations):
            continue  # cut back to a part of itself (``K[:] = K[-127:]``, ``del K[:-127]``): a bounded memo
        if project.callgraph.always_passed(ref.owner, ref.name):
            continue  # every caller passes its own: the default is never the one grown
        if _released_by_each_call(project, ref, growth, mutations):
            continue  # ``_running[key] = 1`` … ``finally: del _running[key]``: a guard for one call
        if all(m.method in _KEYED_WRITES + ("update",) and m.key.domain == "bounded" for m in growth):
            continue  # ``defaults.update({SERVICE_NAME: name})``: as many entries as the constant keys
        function = project.functions.get(ref.owner)
        nested = function is not None and function.nested
        # a memo keyed by what the caller passes (``cache[topic]``, ``_name_cache[name]``, an append
        # under ``if x not in seen``) grows with that domain, which the code here does not tell;
        # plain appends, and per-event keys, grow per call
        memo = all((m.method in _KEYED_WRITES or m.dedup) and m.key.domain not in ("event", "created")
                   # ``params.update(query.as_params())``: the keys of a mapping nothing here shows
                   or m.method == "update" and m.key.domain == "unknown"
                   for m in growth)
        # a memo keyed by plain values (a path, a code object: pydevd's ``cache={}`` and
        # ``NORMCASE_CACHE={}``) holds one entry per distinct value, as a module-level memo of
        # unknown domain does (low); one keyed by an identity (``node_cache[node.id]``) grows with objects
        plain_memo = memo and not any(identity_name(m.key.text.rsplit(".", 1)[-1]) for m in growth)
        # a public function every call in the project gives its own: only a caller outside would share it
        passed = project.callgraph.passed_at_every_call(ref.owner, ref.name)
        definition = defs[0]
        label = project.function_label(ref.owner)
        lives = "each time its enclosing function runs" if nested else "once, when the function is defined"
        message = (f"the default of '{ref.name}' is built {lives} and {label} grows it "
                   f"({growth[0].method} at line {growth[0].span.line}): every call that omits it "
                   f"adds {'each value not yet there ' if all(m.dedup for m in growth) else ''}"
                   f"to the same {definition.constructor}"
                   f"{' (every call in the project passes its own; a caller outside may not)' if passed else ''}")
        path = project.path_of(ref.owner, "")
        level = "low" if plain_memo else "medium" if nested or memo or passed else "high"
        yield Finding("RL103", message, path, definition.span, level, related=(Related(path, growth[0].span, "grown here"),))
