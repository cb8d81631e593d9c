"""Checks written as SPARQL files: `queries/checks/<name>-violation.rq`, any returned row fails.

Each file starts with comment headers:
    # Guards: what the check protects (one sentence)
    # Severity: ERROR | WARN
    # Message: text shown for each row; {term} and {value} are replaced by the row's bindings
    # Hint: how to fix it
and selects ?term (the offending entity, used to find its file and line), optionally ?value, and
optionally ?graph (the named graph whose file should be shown when ?term is written in several).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from catkg.findings import Finding, Severity
from catkg.load import Project

_HEADER = re.compile(r"^#\s*(Guards|Severity|Message|Hint)\s*:\s*(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class CheckQuery:
    """One check file and its headers."""

    name: str
    path: Path
    guards: str
    severity: Severity
    message: str
    hint: str
    sparql: str


def read_check(path: Path) -> CheckQuery:
    """Parse a check file's headers; a missing header is a ValueError naming the file."""
    text = path.read_text(encoding="utf-8")
    headers = {key.lower(): value for key, value in _HEADER.findall(text)}
    missing = [h for h in ("guards", "severity", "message") if h not in headers]
    if missing:
        raise ValueError(f"{path}:1: check file lacks the header(s) {', '.join(missing)}")
    return CheckQuery(
        name=path.name.removesuffix(".rq"),
        path=path,
        guards=headers["guards"],
        severity=Severity(headers["severity"].upper()),
        message=headers["message"],
        hint=headers.get("hint", ""),
        sparql=text,
    )


def check_files(root: Path) -> list[Path]:
    """The check files of a project, sorted."""
    return sorted((root / "queries" / "checks").glob("*-violation.rq"))


def _text(term: object) -> str:
    return getattr(term, "value", "") if term is not None else ""


CheckRow = tuple[CheckQuery, str, str, URIRef | None]


def sparql_check_rows(root: Path, store: ox.Store) -> list[CheckRow]:
    """Every row the project's check files return on `store`: (check, term, value, graph)."""
    rows: list[CheckRow] = []
    for path in check_files(root):
        check = read_check(path)
        solutions = store.query(check.sparql, use_default_graph_as_union=True)
        names = {v.value for v in solutions.variables}
        for row in solutions:
            value = _text(row["value"]) if "value" in names else ""
            graph = URIRef(_text(row["graph"])) if "graph" in names and row["graph"] is not None else None
            rows.append((check, _text(row["term"]), value, graph))
    return rows


def check_findings(project: Project, rows: list[CheckRow]) -> list[Finding]:
    """One located finding per check row (the project's files are scanned for lines on first use, so
    this runs on the thread that owns the project)."""
    findings: list[Finding] = []
    for check, term, value, graph in rows:
        file, line = project.locate(term, prefer_graph=graph)
        message = check.message.replace("{term}", term).replace("{value}", value)
        findings.append(
            Finding(
                file,
                line,
                0,
                check.severity,
                check.name.removesuffix("-violation"),
                message,
                term=term,
                hint=check.hint,
            )
        )
    return findings
