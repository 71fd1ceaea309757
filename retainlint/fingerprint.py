"""Stable identities for findings, independent of line numbers.

A fingerprint hashes the rule, the file (relative to the project root), the enclosing scope
(``pkg.mod.Class.method``) and the finding's source text with whitespace folded.  Editing code
above a finding moves its line but keeps its fingerprint, which is what baselines, SARIF's
``partialFingerprints`` and GitLab's code-quality fingerprints need.  Two identical findings in
one scope are told apart by their order.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Sequence

from retainlint.extract import MAX_FILE_BYTES, decode_source
from retainlint.facts import ModuleFacts, Span
from retainlint.findings import Finding
from retainlint.lines import split_lines
from retainlint.readfile import read_regular_file


def scope_table(facts: ModuleFacts) -> Dict[int, str]:
    """Line → the innermost function or class whose definition contains it (lines outside any
    are the module's).  Built once per file with findings: looking each finding up among all
    the file's definitions made a generated file with 20,000 findings take ten minutes."""
    table: Dict[int, str] = {}
    scopes = list(facts.functions) + list(facts.classes)
    # Larger spans first, so that inner ones overwrite them; of equal spans, the first listed wins.
    order = sorted(range(len(scopes)), key=lambda i: (scopes[i].span.line - scopes[i].span.end_line, -i))
    for index in order:
        span = scopes[index].span
        for line in range(span.line, span.end_line + 1):
            table[line] = scopes[index].qualname
    return table


def span_text(lines: Sequence[str], span: Span) -> str:
    """The source a span covers, with whitespace folded."""
    if not 0 < span.line <= len(lines):
        return ""
    if span.line == span.end_line:
        text = lines[span.line - 1][span.col - 1:span.end_col - 1]
    else:
        chunk = lines[span.line - 1:span.end_line]
        chunk[0] = chunk[0][span.col - 1:]
        chunk[-1] = chunk[-1][:span.end_col - 1]
        text = " ".join(chunk)
    return " ".join(text.split())


def source_lines(path: str) -> List[str]:
    """The lines of a checked file as CPython numbers them ([] if it cannot be read now)."""
    try:
        return split_lines(decode_source(read_regular_file(path, MAX_FILE_BYTES)))
    except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
        return []


def relative_path(path: str, root: Path) -> str:
    absolute = os.path.abspath(path)
    try:
        return Path(absolute).relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(absolute).as_posix()


def with_fingerprints(findings: Sequence[Finding], modules: Sequence[ModuleFacts], root: Path) -> List[Finding]:
    by_path: Dict[str, ModuleFacts] = {m.path: m for m in modules}
    sources: Dict[str, List[str]] = {}
    scopes: Dict[str, Dict[int, str]] = {}
    seen: Counter = Counter()
    out = []
    for finding in findings:
        facts = by_path.get(finding.path)
        scope = ""
        if facts is not None:
            if finding.path not in scopes:
                scopes[finding.path] = scope_table(facts)
            scope = scopes[finding.path].get(finding.span.line, facts.module)
        if finding.path not in sources:
            sources[finding.path] = source_lines(finding.path)
        statement = span_text(sources[finding.path], finding.span)
        identity = "\0".join([finding.code, relative_path(finding.path, root), scope, statement])
        seen[identity] += 1
        digest = hashlib.sha256(f"{identity}\0{seen[identity]}".encode("utf-8")).hexdigest()[:32]
        out.append(replace(finding, scope=scope, statement=statement, fingerprint=digest))
    return out
