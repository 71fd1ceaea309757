"""JSON in ruff's shape (a list of objects with code, message, filename, location, end_location,
fix, url, noqa_row), plus retainlint's ``confidence``, ``fix_hint``, ``related`` and
``fingerprint``; ``json-lines`` writes one such object per line."""

from __future__ import annotations

import json
import os

from retainlint.findings import Finding
from retainlint.registry import all_rules
from retainlint.report import formatter


def finding_dict(finding: Finding) -> dict:
    rule = all_rules().get(finding.code)
    return {
        "code": finding.code,
        "name": rule.name if rule else None,
        "message": finding.message,
        "filename": os.path.abspath(finding.path),
        "location": {"row": finding.span.line, "column": finding.span.col},
        "end_location": {"row": finding.span.end_line, "column": finding.span.end_col},
        "confidence": finding.confidence,
        "fix": None,
        "fix_hint": finding.fix or None,
        "noqa_row": finding.span.line,
        "url": rule.url if rule else None,
        "fingerprint": finding.fingerprint or None,
        "related": [
            {"filename": os.path.abspath(r.path), "location": {"row": r.span.line, "column": r.span.col},
             "message": r.message}
            for r in finding.related
        ],
    }


@formatter("json")
def json_format(result, context) -> str:
    return json.dumps([finding_dict(f) for f in result.findings], indent=2, ensure_ascii=False)


@formatter("json-lines")
def json_lines_format(result, context) -> str:
    return "\n".join(json.dumps(finding_dict(f), ensure_ascii=False) for f in result.findings)
