"""RL404 and RL405: locals that keep a frame, or what a frame took, alive.

* RL404 — an exception of this very frame kept in a local (``exc, tb = sys.exc_info()[1:]``,
  ``err = e``): the traceback holds the frame and the frame holds the local, a cycle that pins every
  local of every frame involved until a full collection (``except … as e`` is safe: Python deletes
  ``e`` at the end of the handler);
* RL405 — an endless loop's variable holds the last item it took while it blocks for the next:
  a worker that sits idle keeps its last job, with its arguments and result, indefinitely.
"""

from __future__ import annotations

from typing import Iterator

from retainlint.checks.context import Context
from retainlint.findings import Finding
from retainlint.registry import check

_KEPT = {"exception": "the exception being handled", "traceback": "the traceback being handled",
         "exc_info": "sys.exc_info()",
         "raised": "the exception it raises"}


@check("RL404")
def exception_frame_cycle(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    by_function = {}
    for facts in project.modules:
        for hold in facts.frame_holds:
            if hold.kind == "cycle":
                by_function.setdefault((facts.path, hold.function), []).append(hold)
    for (path, function), holds in by_function.items():
        # the cycle is collected eventually: what it costs is how much the frames hold until then,
        # which the code does not show — a hazard to know of, not one that grows by itself
        confidence = "low"
        names = " and ".join(h.local for h in holds)
        what = _KEPT[holds[0].what]
        label = project.function_label(function)
        locals_ = ", ".join(h.local for h in holds)
        fix = (f"raise inside try and set {locals_} to None in finally" if holds[0].what == "raised" else
               f"del {locals_} (or traceback.clear_frames(tb)) once handled")
        message = (f"{names} keep{'s' if len(holds) == 1 else ''} {what} in a local of {label}: its traceback "
                   f"holds this frame and the frame holds {names}, a cycle that keeps every local of "
                   f"{label} and of the frames it passed through until the cyclic garbage collector runs; {fix}")
        yield Finding("RL404", message, path, holds[0].span, confidence)


@check("RL405")
def loop_keeps_last_item(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for facts in project.modules:
        for hold in facts.frame_holds:
            if hold.kind != "last-item":
                continue
            label = project.function_label(hold.function)
            fact = project.functions.get(hold.function)
            # a thread that blocks on a queue and runs what it takes is the classic idle worker (it
            # pins the job's arguments and result); a coroutine or a generator streaming items is
            # usually cancelled or finished when its stream ends
            worker = hold.what == "job" and fact is not None and not fact.generator
            single = worker and _one_thread_per_object(project, hold.function)
            message = (f"{hold.local} keeps the last item {label} took alive while it waits for the next one: an "
                       f"idle worker pins its last job — arguments, result or exception — indefinitely; "
                       f"del {hold.local} (or {hold.local} = None) once it is handled")
            if single:
                message += "; its thread is kept in a single slot of its object, so one item per object"
            yield Finding("RL405", message, facts.path, hold.span, "medium" if worker and not single else "low")


def _one_thread_per_object(project, function: str) -> bool:
    """Every thread that runs the function is stored in one slot (``self._thread = Thread(
    target=self._target)``): one idle worker, one pinned item — unlike a pool that adds a thread
    per submission (``t = Thread(target=_worker); self._threads.add(t)``)."""
    graph = project.callgraph
    threads = [graph.call_at(reference.caller, receiver, reference.line)
               for receiver, reference in graph.handed_to(function) if receiver.endswith("Thread")]
    return bool(threads) and all(t is not None and t.use == "store" for t in threads)
