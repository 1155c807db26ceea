"""Values shared by every rule: findings, parse results and clause citations.

A rule never raises on bad input: it returns a :class:`Finding` (a value carrying a
Chinese message, a severity and the clause of the notice it enforces). Readers of the
workbook attach sheet, row and column to a finding with :meth:`Finding.at`, so it
prints as ``申报人员!F12: 身份证号校验位错误``; a finding about an application also names
it (:meth:`Finding.about`): ``2024-011 王建国（申报人员第12行 F列）：身份证号校验位错误``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable, Generic, TypeVar

from ..errors import Refused

#: what Excel shows in a cell whose formula failed (a VLOOKUP that found nothing: #N/A), as
#: a file or live Excel gives it: its text
EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!",
                          "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def is_excel_error(value: object) -> bool:
    """Whether a cell's value is an Excel error value (its text, in any case)."""
    return value.__class__ is str and value[:1] == "#" and value.strip().upper() in EXCEL_ERRORS


T = TypeVar("T")
F = TypeVar("F", bound=Callable)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "提醒", "info": "提示"}[self.value]


@dataclass(frozen=True)
class Finding:
    """One problem found in the data, with where it was found when known."""

    message: str
    severity: Severity = Severity.ERROR
    clause: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    who: str | None = None          # the application concerned, e.g. "2024-012 王建国"

    def at(self, sheet: str | None = None, row: int | None = None,
           column: str | None = None) -> "Finding":
        """The same finding located in a workbook."""
        # the constructor, not dataclasses.replace: a check locates thousands of findings
        return Finding(self.message, self.severity, self.clause, sheet or self.sheet, row or self.row,
                       column or self.column, self.who)

    def about(self, who: str | None) -> "Finding":
        """The same finding naming the application it concerns (application id and name),
        so that it reads ``2024-012 王建国（申报人员第13行 AS列）：…``."""
        if not who or who == self.who:
            return self
        return Finding(self.message, self.severity, self.clause, self.sheet, self.row, self.column, who)

    @property
    def location(self) -> str:
        if self.sheet is None:
            return ""
        if self.row and not self.column:          # a whole row: 申报人员第29行, not 申报人员!29
            return f"{self.sheet}第{self.row}行"
        cell = f"{self.column or ''}{self.row or ''}"
        return f"{self.sheet}!{cell}" if cell else self.sheet

    @property
    def place(self) -> str:
        """Where, in words: ``申报人员第13行 AS列`` (``申报人员!AS13`` is :attr:`location`)."""
        if self.sheet is None:
            return ""
        parts = [self.sheet + (f"第{self.row}行" if self.row else "")]
        if self.column:
            parts.append(f"{self.column}列")
        return " ".join(parts)

    def __str__(self) -> str:
        if self.who:
            where = self.place
            return f"{self.who}（{where}）：{self.message}" if where else f"{self.who}：{self.message}"
        where = self.location
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "message": self.message, "severity": self.severity.value,
                "clause": self.clause, "who": self.who}


def error(message: str, clause: str | None = None) -> Finding:
    return Finding(message, Severity.ERROR, clause)


def warning(message: str, clause: str | None = None) -> Finding:
    return Finding(message, Severity.WARNING, clause)


@dataclass(slots=True)
class Parsed(Generic[T]):
    """The result of reading one input value: a value, or a finding, or neither (blank)."""

    value: T | None = None
    finding: Finding | None = None

    @property
    def ok(self) -> bool:
        return self.finding is None

    @property
    def blank(self) -> bool:
        return self.value is None and self.finding is None


class RuleInputError(Refused, ValueError):
    """Raised inside the core when an answer cannot be given; the message is Chinese.

    Shells (UDFs, command line, refresh) turn it into a message or a finding; it never
    reaches a user as a traceback.
    """


# --- clause citations -------------------------------------------------------------

#: every function decorated with :func:`cites`, by qualified name (used by a test that
#: checks each rule names its clause and restates it in its docstring).
RULES: dict[str, Callable] = {}


def cites(*clauses: str) -> Callable[[F], F]:
    """Mark a function as the implementation of clauses of the notice (e.g. ``"四(六)"``).

    The clause is data on the function (``fn.clauses``), not only a comment, so that
    findings, documentation and tests can name it.
    """

    def mark(fn: F) -> F:
        fn.clauses = clauses  # type: ignore[attr-defined]
        RULES[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return mark
