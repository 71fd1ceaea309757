"""Baselines: adopt retainlint in an existing codebase without fixing everything first.

``--write-baseline FILE`` records today's findings; ``--baseline FILE`` then reports only findings
that are not in it.  Entries match by fingerprint (rule, file, enclosing scope, normalised source:
see :mod:`retainlint.fingerprint`), never by line number, so editing code above a finding does
not bring it back.  ``--prune-baseline`` rewrites the file without the entries that no longer
match anything.

The file is JSON::

    {"version": 1, "tool": "retainlint",
     "findings": [{"fingerprint": "…", "code": "RL301", "path": "pkg/api.py",
                   "scope": "pkg.api.start", "statement": "RUNS[run_id] = run", "message": "…"}]}

Only ``fingerprint`` is used for matching; the rest is there for people reading the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Sequence, Set, Tuple

from retainlint.findings import Finding
from retainlint.fingerprint import relative_path

VERSION = 1


class BaselineError(ValueError):
    """A baseline file that cannot be read; the message names it."""


def write_baseline(path: Path, findings: Sequence[Finding], root: Path) -> None:
    entries = [{"fingerprint": f.fingerprint, "code": f.code, "path": relative_path(f.path, root),
                "scope": f.scope, "statement": f.statement, "message": f.message} for f in findings]
    data = {"version": VERSION, "tool": "retainlint", "findings": entries}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_baseline(path: Path) -> List[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a retainlint baseline (version {VERSION})")
    return [e for e in data["findings"] if isinstance(e, dict) and isinstance(e.get("fingerprint"), str)]


def apply_baseline(findings: Sequence[Finding], entries: Sequence[dict]) -> Tuple[List[Finding], Set[str]]:
    """(findings not in the baseline, fingerprints of the baseline entries that still match)."""
    known = {e["fingerprint"] for e in entries}
    new = [f for f in findings if f.fingerprint not in known]
    matched = {f.fingerprint for f in findings if f.fingerprint in known}
    return new, matched


def prune_baseline(path: Path, entries: Sequence[dict], matched: Set[str]) -> int:
    """Drop the entries that matched nothing; returns how many were dropped."""
    kept = [e for e in entries if e["fingerprint"] in matched]
    data = {"version": VERSION, "tool": "retainlint", "findings": kept}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(entries) - len(kept)
