"""What a check reports: one finding per problem, in the shape `check --json` prints."""

from __future__ import annotations

from .catalog.models import ERROR, WARNING
from .record import Record, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any

    from .catalog.models import Severity

__all__ = ["Finding", "ERROR", "WARNING", "Severity", "count_errors"]


def __getattr__(name: str):
    # Severity is catalog.models' Literal alias, made there on first use (typing is not imported by a
    # cold check); re-exported here, where Finding's annotation names it.
    if name == "Severity":
        from .catalog import models

        return models.Severity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@record(forbid=False, slots=True)
class Finding(Record):
    """One problem, located so that a civil servant can find and fix it without the manual.

    `rule` is a catalog rule id, or a reader code (`doc.*` for an unusable file, `cell.*` for a cell
    that could not be read) when the problem is not a rule failure. `expected`/`actual` are numbers
    where the rule compares numbers, else text or None. A light record (xlcchc.record): a check creates
    findings without importing pydantic; `Finding.model_validate` (findings read back from TONG_HOP) validates.
    """

    file: str = ""
    form: int | None = None
    code: str | None = None
    cell: str | None = None  # `'Biểu mẫu 3'!D12`, as a person would look for it
    severity: Severity = ERROR
    rule: str
    message: str
    expected: Any = None
    actual: Any = None
    unit: str | None = None
    #: A diagnosis (xlcchc.diagnose): the figure that would make the failing relations hold, as a
    #: suggestion — `suspect` is its form:code, `suggested` the value that fits; never applied.
    suspect: str | None = None
    suggested: Any = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> tuple:
        return (self.file, self.form or 0, _code_key(self.code), self.rule)


def _code_key(code: str | None) -> tuple:
    """An indicator code's sort key (`2.10` after `2.9`), worked out once per code text: a check sorts its
    findings twice and a merge sorts thousands over a few hundred distinct codes (9 K instructions each)."""
    if not code:
        return ()
    key = _CODE_KEYS.get(code)
    if key is None:
        key = tuple(int(p) if p.isdigit() else 10**6 for p in code.split("."))
        if len(_CODE_KEYS) < _CODE_KEYS_MAX:  # codes come from catalogs and returns: bounded all the same
            _CODE_KEYS[code] = key
    return key


_CODE_KEYS: dict[str, tuple] = {}
_CODE_KEYS_MAX = 10_000


def count_errors(findings: list[Finding]) -> int:
    return sum(1 for f in findings if f.severity == ERROR)
