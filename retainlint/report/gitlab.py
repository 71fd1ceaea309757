"""GitLab Code Quality report (the Code Climate issue format GitLab reads): a JSON list with
description, check_name, fingerprint, severity and location for each finding."""

from __future__ import annotations

import json

from retainlint.report import formatter

SEVERITIES = {"high": "major", "medium": "minor", "low": "info"}


@formatter("gitlab")
def gitlab_format(result, context) -> str:
    issues = [{
        "type": "issue",
        "check_name": f.code,
        "description": f"{f.code} {f.message}",
        "categories": ["Performance"],
        "fingerprint": f.fingerprint,
        "severity": SEVERITIES[f.confidence],
        "location": {"path": context.relative(f.path), "lines": {"begin": f.span.line, "end": f.span.end_line}},
    } for f in result.findings]
    return json.dumps(issues, indent=2, ensure_ascii=False)
