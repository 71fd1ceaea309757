"""One run: discover → extract (parallel) → link → check → filter.  The CLI formats the result.

Extraction happens in worker processes when there are many files; only plain facts come back,
so the parent never holds a syntax tree.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from functools import lru_cache
from contextlib import contextmanager
from pathlib import Path
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import FrozenSet, List, Mapping, Optional, Sequence, Tuple

from retainlint.cache import FactsCache
from retainlint.causes import merge_one_cause
from retainlint.checks.context import Context
from retainlint.collector import collector_paused
from retainlint.config import Settings, per_file_ignored
from retainlint.entrypoints import declared_entry_points
from retainlint.discovery import SourceFile, discover, is_test_module
from retainlint.extract import FileError, extract_file, has_init, module_name, package_base, read_source
from retainlint.extract.suppressions import FILE_LINE, SuppressionTracker
from retainlint.facts import ModuleFacts, Span
from retainlint.findings import Finding, at_least
from retainlint.fingerprint import with_fingerprints
from retainlint.knowledge import Knowledge, load_knowledge
from retainlint.project import Project
from retainlint.namespaces import qualified_module_names
from retainlint.registry import all_rules, matching_codes

PARALLEL_THRESHOLD = 48


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    files: int = 0
    lines: int = 0


def selected_codes(settings: Settings) -> List[str]:
    chosen = set(matching_codes(settings.select)) | set(matching_codes(settings.extend_select))
    return sorted(chosen - set(matching_codes(settings.ignore)))


_WORKER_KNOWLEDGE: Optional[Knowledge] = None


def _worker_init(api: Mapping) -> None:
    """Workers leave Ctrl-C to the parent, which stops the pool and exits with 130."""
    global _WORKER_KNOWLEDGE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_KNOWLEDGE = load_knowledge(api)


def _worker_extract(job: Tuple[SourceFile, str]):
    assert _WORKER_KNOWLEDGE is not None
    source, module = job
    return extract_file(source.path, source.display, _WORKER_KNOWLEDGE, module)


class _WorkerContext:
    """The pool's multiprocessing context, which remembers the workers it starts.

    On Ctrl-C the pool's shutdown would still wait for the chunks the workers hold (tens of
    seconds on a large tree) and ``ProcessPoolExecutor`` has no public way to stop its workers
    before Python 3.14; the workers hold nothing but facts the run no longer wants."""

    def __init__(self) -> None:
        self._base = multiprocessing.get_context()
        self._workers: List[multiprocessing.process.BaseProcess] = []

    def __getattr__(self, name: str):
        return getattr(self._base, name)

    def Process(self, *args, **kwargs):  # noqa: N802 — the name the executor calls
        worker = self._base.Process(*args, **kwargs)
        self._workers.append(worker)
        return worker

    def stop_workers(self) -> None:
        for worker in self._workers:
            if worker.pid is not None:
                worker.terminate()
        for worker in self._workers:
            if worker.pid is not None:
                worker.join()
        self._workers.clear()


@contextmanager
def _interrupts_deferred():
    """Hold Ctrl-C while the pool forks its workers.  An interrupt that arrives during a fork
    is raised inside the interpreter's after-fork hooks, which print and drop it — the run then
    went on to the end as if never interrupted.  Held, it arrives right after the block."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def unique_module_names(sources: Sequence[SourceFile]) -> List[str]:
    """Dotted module names, one per file.  Two scripts outside packages can share a name
    (``tools/run.py``, ``scripts/run.py``); their facts must not merge, so such names get the
    file's path appended — they cannot be imported unambiguously anyway.  Files in a namespace
    package are named through it (see ``namespaces``)."""
    is_package = lru_cache(maxsize=None)(has_init)  # folders are shared by many files: ask each once
    bases = [package_base(s.path, is_package) for s in sources]
    names = qualified_module_names([s.path for s in sources],
                                   [module_name(s.path, base) for s, base in zip(sources, bases)], bases)
    counts = Counter(names)
    return [name if counts[name] == 1 else f"{name}@{source.display}" for name, source in zip(names, sources)]


def worker_count(jobs: Optional[int], files: int) -> int:
    """Worker processes for a run: what was asked (default: every CPU), but never more than the
    CPUs or the files — each worker holds a parsed tree, so idle ones only cost memory."""
    cpus = os.cpu_count() or 1
    return max(1, min(jobs or cpus, cpus, files))


def extract_all(sources: Sequence[SourceFile], knowledge: Knowledge, api: Mapping,
                jobs: Optional[int] = None, cache: Optional[FactsCache] = None) -> List:
    """Facts or errors for every file, in the order given; cached facts where the bytes match."""
    results: List = [None] * len(sources)
    work, keys = [], {}
    for index, (source, module) in enumerate(zip(sources, unique_module_names(sources))):
        if cache is not None:
            data = read_source(source.path, source.display)
            if not isinstance(data, FileError):  # else extract_file reports why it cannot be read
                keys[index] = (cache.key(data, module), len(data))
                results[index] = cache.get(keys[index][0], source.display, len(data))
        if results[index] is None:
            work.append((index, source, module))
    workers = worker_count(jobs, len(work))
    if workers <= 1 or len(work) < PARALLEL_THRESHOLD:
        extracted = [extract_file(s.path, s.display, knowledge, module) for _, s, module in work]
    else:
        context = _WorkerContext()
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init,
                                   initargs=(api,))
        try:
            with _interrupts_deferred():
                pending = pool.map(_worker_extract, [(s, m) for _, s, m in work], chunksize=16)
            extracted = list(pending)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            context.stop_workers()
            raise
        pool.shutdown()
    for (index, _, _), item in zip(work, extracted):
        results[index] = item
        if cache is not None and index in keys and isinstance(item, ModuleFacts):
            cache.put(keys[index][0], item, keys[index][1])
    if cache is not None:
        cache.prune()
    return results


def unused_suppression(path: str, line: int, codes: Sequence[str]) -> Finding:
    rule = all_rules()["RL001"]
    where = "ignore-file comment" if line == FILE_LINE else "suppression comment"
    message = f"{where} for {', '.join(codes)} suppresses nothing: no such finding here"
    return Finding("RL001", message, path, Span(max(line, 1), 1, max(line, 1), 1), "high", rule.fix)


def build_project(modules: Sequence[ModuleFacts], knowledge: Knowledge,
                  test_paths: Optional[FrozenSet[str]] = None) -> Project:
    """The linked project: the modules' facts, and the scripts their packaging metadata declares
    (read, never run, from next to the checked packages: see ``retainlint.entrypoints``)."""
    return Project(modules, knowledge, test_paths, declared_entry_points((m.path, m.module) for m in modules))


def analyse(modules: Sequence[ModuleFacts], knowledge: Knowledge, codes: Sequence[str],
            test_paths: Optional[FrozenSet[str]] = None) -> List[Finding]:
    """Run the chosen checks over extracted facts (``test_paths``: the files that are test code,
    see ``Project``): no filtering, no files touched."""
    context = Context.build(build_project(modules, knowledge, test_paths))
    rules = all_rules()
    findings: List[Finding] = []
    for code in codes:
        rule = rules[code]
        if rule.run is None:
            continue  # reported by the engine itself (RL001)
        for finding in rule.run(context):
            findings.append(finding if finding.fix else replace(finding, fix=rule.fix))
    return findings


def _filter(findings: Sequence[Finding], modules: Sequence[ModuleFacts], settings: Settings,
            codes: Sequence[str]) -> List[Finding]:
    """Confidence, per-file ignores and inline suppressions; then, if asked, the suppressions
    that suppressed nothing (RL001)."""
    by_path = {m.path: m for m in modules}
    ignored = {m.path: per_file_ignored(settings, m.path) for m in modules}
    tracker = SuppressionTracker()
    kept = []
    for finding in findings:
        facts = by_path.get(finding.path)
        if not at_least(finding.confidence, settings.min_confidence):
            continue
        if any(finding.code.startswith(code) for code in ignored.get(finding.path, ())):
            continue
        line = finding.span.line
        if facts is not None and tracker.suppressed(facts.path, facts.suppressions,
                                                    facts.statement_starts.get(line, line), line, finding.code):
            continue
        kept.append(finding)
    if settings.warn_unused_ignores and "RL001" in codes:
        kept += [unused_suppression(m.path, line, idle) for m in modules
                 for line, idle in tracker.unused(m.path, m.suppressions)]
    return kept


def extract_project(paths: Sequence[str], settings: Settings, knowledge: Knowledge, jobs: Optional[int] = None,
                    with_root: bool = False) -> Tuple[List[ModuleFacts], List[FileError], FrozenSet[str]]:
    """Facts of every file under the paths (and under the project's root, ``with_root``), the
    files that could not be read or parsed, and the paths of the files that are test code (by
    where they sit in what was checked)."""
    sources, errors = discover(paths, settings.root, settings.exclude + settings.extend_exclude, with_root)
    cache = FactsCache(settings.root, settings.api) if settings.cache else None
    modules: List[ModuleFacts] = []
    errors = list(errors)
    for item in extract_all(sources, knowledge, settings.api, jobs, cache):
        (errors if isinstance(item, FileError) else modules).append(item)
    return modules, errors, frozenset(source.display for source in sources if is_test_module(source.scope))


def run(paths: Sequence[str], settings: Settings, jobs: Optional[int] = None) -> RunResult:
    """Check the paths.  Named files (as pre-commit passes them) are linked against their whole
    project, so that cross-module facts still count, but only they are reported on."""
    only: Optional[set] = None
    in_a_project = settings.source is not None or (settings.root / ".git").exists()
    if paths and in_a_project and all(Path(p).is_file() for p in paths):
        only = {os.path.abspath(p) for p in paths}  # linked with the config's folder or the git work tree
    knowledge = load_knowledge(settings.api)
    modules, errors, test_paths = extract_project(paths, settings, knowledge, jobs, with_root=only is not None)
    if only is not None:
        errors = [e for e in errors if os.path.abspath(e.path) in only]
    reported = [m for m in modules if only is None or os.path.abspath(m.path) in only]
    result = RunResult(errors=errors, files=len(reported) + len(errors), lines=sum(m.lines for m in reported))
    codes = selected_codes(settings)
    with collector_paused():  # see retainlint.collector: linking a large project is millions of objects
        starts = {m.path: m.statement_starts for m in modules}
        findings = merge_one_cause(_filter(analyse(modules, knowledge, codes, test_paths), modules, settings, codes),
                                   lambda path, line: starts.get(path, {}).get(line, line))
        if only is not None:
            findings = [f for f in findings if os.path.abspath(f.path) in only]
        result.findings = with_fingerprints(sorted(findings, key=Finding.sort_key), modules, settings.root)
    return result
