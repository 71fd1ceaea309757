"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Every rule is described in ``tool.driver.rules``; each result has its ``ruleId``/``ruleIndex``, a
``level`` from its confidence (high → error, medium → warning, low → note), its region, the links
of its retention chain as ``relatedLocations``, and a stable ``partialFingerprints`` entry (see
:mod:`retainlint.fingerprint`) so that code scanning tracks it across commits.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from retainlint import HOMEPAGE, __version__
from retainlint.facts import Span
from retainlint.registry import all_rules
from retainlint.report import formatter

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"high": "error", "medium": "warning", "low": "note"}
FINGERPRINT_KEY = "retainlintFingerprint/v1"


def _location(context, path: str, span: Span) -> dict:
    return {"physicalLocation": {
        "artifactLocation": {"uri": quote(context.relative(path)), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": span.line, "startColumn": span.col,
                   "endLine": span.end_line, "endColumn": span.end_col},
    }}


def _rule(rule) -> dict:
    markdown = (f"**{rule.summary}**\n\n{rule.what.strip()}\n\n**Why is this bad?** {rule.why.strip()}\n\n"
                f"**Example**\n\n```python\n{rule.example.strip()}\n```\n\n"
                f"**Use instead**\n\n```python\n{rule.instead.strip()}\n```")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.what.split())},
        "help": {"text": rule.fix, "markdown": markdown},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["memory", "retention"]},
    }


@formatter("sarif")
def sarif_format(result, context) -> str:
    rules = list(all_rules().values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    for finding in result.findings:
        entry = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": LEVELS[finding.confidence],
            "message": {"text": finding.message},
            "locations": [_location(context, finding.path, finding.span)],
            "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
            "properties": {"confidence": finding.confidence, "fixHint": finding.fix},
        }
        if finding.related:
            entry["relatedLocations"] = [
                dict(_location(context, r.path, r.span), id=i, message={"text": r.message})
                for i, r in enumerate(finding.related, start=1)]
        results.append(entry)
    notifications = [{
        "level": "error",
        "message": {"text": error.reason},
        "locations": [_location(context, error.path, Span(error.line, error.col, error.line, error.col))],
    } for error in result.errors]
    run = {
        "tool": {"driver": {"name": "retainlint", "version": __version__,
                            "informationUri": HOMEPAGE,
                            "rules": [_rule(rule) for rule in rules]}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": context.root.resolve().as_uri() + "/"}},
        "invocations": [{"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False)
