"""Findings of the checks: what is wrong, where, how bad, and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is: an ERROR fails the build, a WARN only reports (unless --strict)."""

    ERROR = "ERROR"
    WARN = "WARN"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in the project's files, located by path, line and column."""

    path: str
    line: int
    column: int
    severity: Severity = field(compare=False)
    check: str = field(compare=False)
    message: str = field(compare=False)
    term: str = field(default="", compare=False)
    hint: str = field(default="", compare=False)

    def format(self) -> str:
        """`path:line[:column]: SEVERITY [check] message` and the hint on the same line."""
        where = f"{self.path}:{self.line}" + (f":{self.column}" if self.column else "")
        text = f"{where}: {self.severity.value} [{self.check}] {self.message}"
        return text + (f" (hint: {self.hint})" if self.hint else "")

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict, severity as its name."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


class InputError(Exception):
    """Input the build cannot read at all (missing, too large, not UTF-8): exit code 2."""

    def __init__(self, path: str, message: str, hint: str = "", line: int = 1) -> None:
        super().__init__(f"{path}:{line}: {message}" + (f" (hint: {hint})" if hint else ""))
        self.path = path
        self.line = line
        self.message = message
        self.hint = hint
