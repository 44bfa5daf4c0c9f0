"""Validation results in the formats CI systems read (issue 12).

- GitHub Actions workflow commands (`::error file=…,line=…,title=…::message`): the runner turns
  each into an annotation on the pull request's changed line. Escaped as GitHub's toolkit does
  (`escapeData` / `escapeProperty`): `%`, CR and LF in the message; also `:` and `,` in properties.
- A JUnit XML report (GitLab's `artifacts:reports:junit`, Jenkins' junit step): one test case per
  register file, a failure per file with errors. No timestamps: the same register gives the same
  bytes.

Paths are given relative to the repository root (`prefix` is where the register sits in it), as
both systems expect. Pure: no printing, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from meti_pi.errors import Problem

_LEVEL = {"error": "error", "warning": "warning"}  # anything else (info) is a notice


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(problems: Iterable[Problem], prefix: str = "") -> str:
    """One workflow command per problem."""
    out = []
    for p in problems:
        props = [f"file={escape_property(prefix + p.path)}"]
        if p.line is not None:
            props.append(f"line={p.line}")
        props.append(f"title={escape_property(f'meti-pi {p.severity}[{p.code}]')}")
        message = f"{p.key}: {p.message}" if p.key else p.message
        out.append(f"::{_LEVEL.get(p.severity, 'notice')} {','.join(props)}::{escape_data(message)}\n")
    return "".join(out)


# XML 1.0 cannot hold most control characters, even escaped: they are shown as \\xNN.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit(
    problems: Iterable[Problem],
    files: Iterable[str],
    *,
    prefix: str = "",
    strict: bool = False,
    suite: str = "meti-pi validate",
) -> bytes:
    """A JUnit XML report: a test case per register file (`files`, register-relative), failing
    when the file has an error (or, with `strict`, a warning); other findings go to system-out."""
    import xml.etree.ElementTree as ET

    by_path: dict[str, list[Problem]] = {}
    for p in problems:
        by_path.setdefault(p.path, []).append(p)
    names = sorted(set(files) | set(by_path))
    failing = {"error", "warning"} if strict else {"error"}
    root = ET.Element("testsuites", name=suite)
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(names)), failures="0", errors="0", skipped="0")
    failures = 0
    for name in names:
        case = ET.SubElement(ts, "testcase", classname=suite, name=prefix + name, file=prefix + name)
        found = by_path.get(name, [])
        bad = [p for p in found if p.severity in failing]
        rest = [p for p in found if p.severity not in failing]
        if bad:
            failures += 1
            first = bad[0]
            failure = ET.SubElement(
                case,
                "failure",
                type=f"{first.severity}[{first.code}]",
                message=_xml_text(f"{len(bad)} problem(s); first: {first.message}"),
            )
            failure.text = _xml_text("".join(_line(p, prefix) for p in bad))
        if rest:
            ET.SubElement(case, "system-out").text = _xml_text("".join(_line(p, prefix) for p in rest))
    ts.set("failures", str(failures))
    root.set("tests", str(len(names)))
    root.set("failures", str(failures))
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def _line(p: Problem, prefix: str) -> str:
    return Problem(prefix + p.path, p.line, p.code, p.message, p.severity, p.key).render() + "\n"
