"""What every kind of import shares: the column contract, typing each row, and the
plan (which rows create, update or leave a record unchanged) made before anything
is written.

A kind declares its :class:`Column` list and implements two steps:

- ``plan(rows)``: reads what exists in bulk (a constant number of queries, not one
  per row), checks every row against the file and the database, and sets each row's
  ``action``; problems go to ``self.problems``. It writes nothing, so a dry run is a
  plan and nothing more.
- ``apply(rows)``: writes the planned rows through the owning apps' services, inside
  the one transaction ``data_exchange.services.import_file`` opens.

``export_rows()`` yields the kind's records as dicts in the same columns, so an
exported file imports back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from data_exchange.tables import Problem, Table
from data_exchange.values import ValueProblem

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
ACTIONS = (CREATE, UPDATE, UNCHANGED)


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any] = str
    required: bool = False
    help: str = ""


@dataclass
class Row:
    """One data row: its spreadsheet number, the typed values of the columns the
    file has (a column the file lacks is absent: the record keeps its value), and
    what the plan decided."""

    number: int
    values: dict[str, Any]
    raw: dict[str, str]
    action: str = ""
    #: what the plan found or will make, for ``apply``
    target: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class ApplyRefused(Exception):
    """A service refused a planned write (the state changed since the plan); the
    whole file is rolled back and this is reported as its problem."""

    def __init__(self, message: str, row: int = 0, column: str = "") -> None:
        super().__init__(message)
        self.row, self.column = row, column


Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


class Importer:
    """One kind of import; a new instance per run."""

    kind: ClassVar[str]
    title: ClassVar[str]
    columns: ClassVar[list[Column]]
    #: the permissions ("app_label.codename") an import of this kind needs
    permissions: ClassVar[tuple[str, ...]]
    doing: ClassVar[str] = "import data"

    def __init__(self, *, user: Any, options: dict[str, Any] | None = None) -> None:
        self.user = user
        self.options = options or {}
        self.problems: list[Problem] = []
        self.progress: Progress = no_progress

    # -- the contract ------------------------------------------------------------
    @classmethod
    def column_names(cls) -> list[str]:
        return [column.name for column in cls.columns]

    @classmethod
    def required_names(cls) -> list[str]:
        return [column.name for column in cls.columns if column.required]

    def problem(self, row: Row | int, column: str, message: str, value: str = "") -> None:
        number = row.number if isinstance(row, Row) else row
        if not value and isinstance(row, Row):
            value = row.raw.get(column, "")
        self.problems.append(Problem(number, column, message, value))

    def rows_from(self, table: Table) -> list[Row]:
        """Check the header against the contract and type every cell; every problem
        is collected (the person fixes the whole file in one go)."""
        by_name = {column.name: column for column in self.columns}
        positions: dict[str, int] = {}
        for index, heading in enumerate(table.header):
            name = heading.strip().lower().replace(" ", "_")
            if not name:
                continue
            if name not in by_name:
                self.problem(
                    1,
                    heading,
                    f"Unknown column “{heading}”; a {self.kind} file has the columns "
                    + ", ".join(self.column_names())
                    + ".",
                )
            elif name in positions:
                self.problem(1, heading, f"The column “{heading}” appears twice.")
            else:
                positions[name] = index
        for name in self.required_names():
            if name not in positions:
                self.problem(1, name, f"The required column “{name}” is missing.")
        self.problems.extend(table.problems)
        if self.problems and any(problem.row == 1 for problem in self.problems):
            return []
        rows: list[Row] = []
        total = len(table.rows)
        flagged = {(problem.row, problem.column) for problem in table.problems}
        for index, (cells, number) in enumerate(zip(table.rows, table.numbers, strict=True)):
            values: dict[str, Any] = {}
            raw: dict[str, str] = {}
            for name, position in positions.items():
                text = cells[position] if position < len(cells) else ""
                raw[name] = text
                column = by_name[name]
                if (number, name) in flagged:
                    values[name] = None
                    continue
                if not text:
                    if column.required:
                        self.problems.append(Problem(number, name, "This value is required."))
                    values[name] = None
                    continue
                try:
                    values[name] = column.parse(text)
                except ValueProblem as refused:
                    self.problems.append(Problem(number, name, str(refused), text[:80]))
                    values[name] = None
            rows.append(Row(number=number, values=values, raw=raw))
            if index % 5000 == 0:
                self.progress("checking", index, total)
        return rows

    def duplicates_in_file(self, rows: list[Row], key: Callable[[Row], Any], column: str) -> None:
        """A key (SKU, code, ...) that appears on two rows is a problem on the later one."""
        first: dict[Any, Row] = {}
        for row in rows:
            value = key(row)
            if value is None or value == "" or (isinstance(value, tuple) and None in value):
                continue
            if value in first:
                earlier = first[value]
                shown = value if not isinstance(value, tuple) else " / ".join(map(str, value))
                self.problem(
                    row,
                    column,
                    f"{shown} is already on row {earlier.number}"
                    + (
                        f" (written “{earlier.raw.get(column, '')}” there)"
                        if earlier.raw.get(column, "") != row.raw.get(column, "")
                        else ""
                    )
                    + "; each appears once per file.",
                )
            else:
                first[value] = row

    # -- what a kind implements ---------------------------------------------------
    def plan(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def apply(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def export_rows(self) -> Iterator[dict[str, Any]]:
        raise NotImplementedError


def changed(current: Any, new: Any) -> bool:
    """Whether an imported value differs from the stored one (None and "" alike)."""
    if current in (None, "") and new in (None, ""):
        return False
    return bool(current != new)
