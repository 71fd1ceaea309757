"""JUnit XML, for CI systems that show test reports: one test suite per file with findings, one
failing test case per finding (and one passing case when there is nothing to report)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby

from retainlint.report import formatter

# Characters XML 1.0 cannot carry at all, not even escaped (most C0 controls, lone surrogates …).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """Text that fits in XML: a control character from a message or a file name is spelled out."""
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


@formatter("junit")
def junit_format(result, context) -> str:
    findings = sorted(result.findings, key=lambda f: f.path)
    suites = ET.Element("testsuites", name="retainlint", tests=str(max(1, len(findings))),
                        failures=str(len(findings)), errors=str(len(result.errors)))
    for path, group in groupby(findings, key=lambda f: f.path):
        group = list(group)
        suite = ET.SubElement(suites, "testsuite", name=path, tests=str(len(group)), failures=str(len(group)))
        for f in group:
            case = ET.SubElement(suite, "testcase", classname=path,
                                 name=f"{f.code} at {path}:{f.span.line}:{f.span.col}")
            failure = ET.SubElement(case, "failure", message=f.message, type=f.code)
            failure.text = f"{path}:{f.span.line}:{f.span.col}: {f.code} [{f.confidence}] {f.message}\nfix: {f.fix}"
    for error in result.errors:
        suite = ET.SubElement(suites, "testsuite", name=error.path, tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname=error.path, name=f"check {error.path}")
        ET.SubElement(case, "error", message=error.reason, type="file-error").text = error.render()
    if not findings and not result.errors:
        suite = ET.SubElement(suites, "testsuite", name="retainlint", tests="1", failures="0")
        ET.SubElement(suite, "testcase", classname="retainlint", name="no retention hazards")
    for element in suites.iter():
        element.attrib = {key: _xml_text(value) for key, value in element.attrib.items()}
        if element.text:
            element.text = _xml_text(element.text)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")
