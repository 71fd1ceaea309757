"""The command line: ``retainlint check``, ``graph``, ``clean``, ``rule CODE``, ``rules``.

Exit codes follow ruff: 0 nothing found, 1 findings (or files that could not be checked),
2 usage, configuration or internal error, and 130 when interrupted (Ctrl-C), as shells expect.
An internal error is one line naming the file or stage and asking for a bug report; the other
files are still checked and reported, and the exit code is 2.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import List, NoReturn, Optional, Sequence

import click

from retainlint import __version__
from retainlint.cache import CACHE_DIR
from retainlint.cache import clean as clean_cache
from retainlint.config import CONFIDENCES, ConfigError, Settings, load_settings
from retainlint.engine import RunResult, build_project, extract_project, run
from retainlint.graph import ReferenceGraph
from retainlint.graph_export import FORMATS, export_graph
from retainlint.internal import internal_error_message
from retainlint.knowledge import load_knowledge
from retainlint.registry import all_rules, matching_codes
from retainlint.baseline import BaselineError, apply_baseline, read_baseline, write_baseline
from retainlint.baseline import prune_baseline as prune_baseline_file
from retainlint.diff import DiffError, changed_lines, touches
from retainlint.report import ReportContext, format_names, render

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def _split(values: Sequence[str]) -> List[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _validate_selectors(selectors: Sequence[str], option: str) -> None:
    for selector in selectors:
        if not matching_codes([selector]):
            raise ConfigError(f"{option}: unknown rule selector {selector!r} (see 'retainlint rules')")


def _apply_options(settings: Settings, select, ignore, extend_select, exclude, extend_exclude,
                   min_confidence) -> Settings:
    if select:
        settings.select = _split(select)
        if not settings.select:
            raise ConfigError("--select: no rule selector given (to select every rule: --select RL)")
    if extend_select:
        settings.extend_select += _split(extend_select)
    if ignore:
        settings.ignore += _split(ignore)
    if exclude:
        settings.exclude = _split(exclude)
    if extend_exclude:
        settings.extend_exclude += _split(extend_exclude)
    if min_confidence:
        settings.min_confidence = min_confidence
    for option, values in (("select", settings.select), ("extend-select", settings.extend_select),
                           ("ignore", settings.ignore)):
        _validate_selectors(values, option)
    return settings


def _summary(result: RunResult) -> str:
    by_confidence = Counter(f.confidence for f in result.findings)
    parts = ", ".join(f"{by_confidence[c]} {c}" for c in reversed(CONFIDENCES) if by_confidence[c])
    found = f"Found {len(result.findings)} finding{'s' if len(result.findings) != 1 else ''}"
    if parts:
        found += f" ({parts})"
    found += f" in {result.files} file{'s' if result.files != 1 else ''} ({result.lines} lines)."
    if result.errors:
        found += f" {len(result.errors)} file{'s' if len(result.errors) != 1 else ''} could not be checked."
    return found


def _statistics(result: RunResult) -> str:
    rules = all_rules()
    counts = Counter(f.code for f in result.findings)
    return "\n".join(f"{count:5}  {code}  {rules[code].name}" for code, count in sorted(counts.items()))


class _Group(click.Group):
    """Ctrl-C ends a command with 130 and one line, not click's "Aborted!" and 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("retainlint: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)


def _internal_error(where: str, exc: Exception) -> NoReturn:
    click.echo(f"retainlint: {where}: {internal_error_message(exc)}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="retainlint")
def cli() -> None:
    """Find retention hazards: memory a long-running Python process never gives back."""


# Paths are not checked by click: an unreadable or special file gets its own line from the run.
PATHS = click.Path(readable=False)


@cli.command()
@click.argument("paths", nargs=-1, type=PATHS)
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (RL2, RL201); replaces the default.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable on top of the selection.")
@click.option("--exclude", multiple=True, help="Globs of files and folders to skip (replaces the configured list).")
@click.option("--extend-exclude", multiple=True, help="Globs to skip on top of the configured ones.")
@click.option("--output-format", type=click.Choice(format_names()), default=None,
              help="[default: full, or github when GITHUB_ACTIONS=true]")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file to use.")
@click.option("--min-confidence", type=click.Choice(CONFIDENCES), default=None,
              help="Report findings of this confidence and above [default: medium].")
@click.option("--exit-zero", is_flag=True, help="Exit with 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Show the number of findings per rule instead of each finding.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only: no summary line.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes [default: CPUs].")
@click.option("--no-cache", is_flag=True, help="Parse every file, neither reading nor writing .retainlint_cache.")
@click.option("--warn-unused-ignores", is_flag=True, help="Report suppression comments that suppress nothing (RL001).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False),
              help="Report only findings that are not in this baseline file.")
@click.option("--write-baseline", "write_baseline_path", type=click.Path(dir_okay=False),
              help="Record the current findings in this baseline file (and exit 0).")
@click.option("--prune-baseline", is_flag=True, help="With --baseline: drop entries that no longer match.")
@click.option("--diff", "--changed-since", "diff_ref", metavar="REF",
              help="Report only findings on lines changed since this git ref.")
def check(paths, select, ignore, extend_select, exclude, extend_exclude, output_format, output_file, config_path,
          min_confidence, exit_zero, statistics, quiet, jobs, no_cache, warn_unused_ignores, baseline_path,
          write_baseline_path, prune_baseline, diff_ref) -> None:
    """Check PATHS (files or folders; default: the current folder)."""
    paths = list(paths) or ["."]
    if prune_baseline and not baseline_path:
        _fail("--prune-baseline needs --baseline FILE")
    try:
        settings = _apply_options(load_settings(paths, config_path), select, ignore, extend_select, exclude,
                                  extend_exclude, min_confidence)
        settings.cache = not no_cache
        settings.warn_unused_ignores = warn_unused_ignores
        changed = changed_lines(diff_ref, Path(paths[0])) if diff_ref else None
        entries = read_baseline(Path(baseline_path)) if baseline_path else None
    except (ConfigError, BaselineError, DiffError) as exc:
        _fail(str(exc))
    try:
        result = run(paths, settings, jobs)
    except Exception as exc:  # a bug in retainlint that no one file's extraction contained
        _internal_error("while linking and checking", exc)
    if write_baseline_path:
        try:
            write_baseline(Path(write_baseline_path), result.findings, settings.root)
        except OSError as exc:
            _fail(f"{write_baseline_path}: cannot write the baseline: {exc.strerror or exc}")
        click.echo(f"Wrote {len(result.findings)} findings to the baseline {write_baseline_path}.", err=True)
        sys.exit(EXIT_CLEAN)
    if changed is not None:
        result.findings = [f for f in result.findings if touches(changed, f.path, f.span.line, f.span.end_line)]
    if entries is not None:
        result.findings, matched = apply_baseline(result.findings, entries)
        if prune_baseline:
            try:
                dropped = prune_baseline_file(Path(baseline_path), entries, matched)
            except OSError as exc:
                _fail(f"{baseline_path}: cannot rewrite the baseline: {exc.strerror or exc}")
            click.echo(f"Pruned {dropped} stale entries from {baseline_path}.", err=True)
    _report(result, settings, output_format, output_file, statistics, quiet)
    if any(error.internal for error in result.errors):
        sys.exit(EXIT_ERROR)
    if exit_zero or not (result.findings or result.errors):
        sys.exit(EXIT_CLEAN)
    sys.exit(EXIT_FINDINGS)


def _fail(message: str) -> NoReturn:
    click.echo(f"retainlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _report(result: RunResult, settings: Settings, output_format: Optional[str], output_file: Optional[str],
            statistics: bool, quiet: bool) -> None:
    if output_format is None:
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "full"
    if output_format != "github":
        for error in result.errors:
            click.echo(error.render(), err=True)
    text = _statistics(result) if statistics else render(output_format, result, ReportContext(settings.root))
    if output_file:
        try:
            with open(output_file, "w", encoding="utf-8") as handle:
                handle.write(text + "\n" if text else "")
        except OSError as exc:
            _fail(f"{output_file}: cannot write the report: {exc.strerror or exc}")
    elif text:
        click.echo(text)
    if not quiet and output_format in ("full", "text", "concise"):
        click.echo(_summary(result), err=bool(output_file))


@cli.command("graph")
@click.argument("paths", nargs=-1, type=PATHS)
@click.option("--format", "graph_format", type=click.Choice(sorted(FORMATS)), default="dot", show_default=True)
@click.option("--only-hazards", is_flag=True, help="Only the retention chains and reference cycles.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file to use.")
@click.option("-o", "--output", "output_file", type=click.Path(dir_okay=False), help="Write to this file.")
def graph_command(paths, graph_format, only_hazards, config_path, output_file) -> None:
    """Print the reference graph of PATHS (default: the current folder)."""
    paths = list(paths) or ["."]
    try:
        settings = load_settings(paths, config_path)
    except ConfigError as exc:
        _fail(str(exc))
    knowledge = load_knowledge(settings.api)
    modules, errors, test_paths = extract_project(paths, settings, knowledge)
    for error in errors:
        click.echo(error.render(), err=True)
    try:
        graph = ReferenceGraph(build_project(modules, knowledge, test_paths))
        text = FORMATS[graph_format](export_graph(graph, only_hazards))
    except Exception as exc:  # a bug in retainlint
        _internal_error("while building the graph", exc)
    if output_file:
        try:
            with open(output_file, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        except OSError as exc:
            _fail(f"{output_file}: cannot write the graph: {exc.strerror or exc}")
    else:
        click.echo(text)
    if any(error.internal for error in errors):
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if errors else EXIT_CLEAN)


@cli.command("clean")
@click.argument("paths", nargs=-1, type=PATHS)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file to use.")
def clean_command(paths, config_path) -> None:
    """Delete the cache (.retainlint_cache) of the project of PATHS (default: the current folder)."""
    roots = set()
    for path in list(paths) or ["."]:
        try:
            roots.add(load_settings([path], config_path).root)
        except ConfigError as exc:
            _fail(str(exc))
    for root in sorted(roots):
        try:
            removed = clean_cache(root)
        except OSError as exc:
            _fail(f"{root / CACHE_DIR}: cannot remove the cache: {exc.strerror or exc}")
        click.echo(f"Removed {removed}." if removed else f"No cache in {root}.", err=True)


def rule_text(code: str) -> str:
    rule = all_rules()[code]
    sections = [f"{rule.code} {rule.name}", "", rule.summary, "", "## What it does", rule.what.strip(), "",
                "## Why is this bad?", rule.why.strip(), "", "## Example", "```python", rule.example.strip(), "```", "",
                "## Use instead", "```python", rule.instead.strip(), "```", "", f"Fix: {rule.fix}"]
    return "\n".join(sections)


@cli.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Show the documentation of one rule (by code or name)."""
    rules = all_rules()
    wanted = code.strip()
    match = rules.get(wanted.upper()) or next((r for r in rules.values() if r.name == wanted), None)
    if match is None:
        click.echo(f"retainlint: unknown rule {code!r} (see 'retainlint rules')", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(rule_text(match.code))


@cli.command("rules")
def rules_command() -> None:
    """List every rule."""
    for rule in all_rules().values():
        click.echo(f"{rule.code}  {rule.name:<30} {rule.summary}")


def main(argv: Optional[Sequence[str]] = None) -> None:
    cli.main(args=argv, prog_name="retainlint")
