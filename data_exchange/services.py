"""Importing a file: all or nothing.

``import_file`` reads the file, checks the header against the kind's column contract,
types every cell, plans every row against the database, and only when not one problem
was found (and this is not a dry run) writes the rows in one transaction. A file with
any problem changes nothing and comes back with every problem listed by row and
column; a write refused by the database (a SKU another person created meanwhile)
rolls the whole file back and is reported the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from data_exchange.kinds import KINDS, importer_for
from data_exchange.kinds.base import (
    ACTIONS,
    CREATE,
    UNCHANGED,
    UPDATE,
    ApplyRefused,
    Progress,
    no_progress,
)
from data_exchange.tables import Problem, TableError, read_table
from erp.permissions import permission_require

#: problems listed in a result; the count says how many there were in all
MAX_LISTED_PROBLEMS = 1000


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIONS, 0))
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    applied: bool = False
    dry_run: bool = True
    #: rows by action for a preview: (row number, action, key) of the first rows
    sample: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.problem_count)

    def summary(self) -> str:
        counts = self.counts
        text = (
            f"{counts[CREATE]} to create, {counts[UPDATE]} to update, "
            f"{counts[UNCHANGED]} unchanged, {self.problem_count} errors"
        )
        if self.applied:
            text = text.replace(" to create", " created").replace(" to update", " updated")
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "counts": self.counts,
            "problems": [
                {"row": p.row, "column": p.column, "message": p.message, "value": p.value}
                for p in self.problems
            ],
            "problem_count": self.problem_count,
            "applied": self.applied,
            "dry_run": self.dry_run,
            "sample": self.sample,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportResult:
        return cls(
            kind=data["kind"],
            rows=data["rows"],
            counts=data["counts"],
            problems=[Problem(**problem) for problem in data["problems"]],
            problem_count=data["problem_count"],
            applied=data["applied"],
            dry_run=data["dry_run"],
            sample=[(item[0], item[1], item[2]) for item in data.get("sample", [])],
        )


def _refused(result: ImportResult, problems: list[Problem]) -> ImportResult:
    ordered = sorted(problems, key=lambda problem: (problem.row, problem.column))
    result.problem_count = len(ordered)
    result.problems = ordered[:MAX_LISTED_PROBLEMS]
    return result


def import_file(
    *,
    kind: str,
    content: bytes,
    filename: str,
    user: Any,
    dry_run: bool,
    options: dict[str, Any] | None = None,
    progress: Progress = no_progress,
) -> ImportResult:
    """Check (and unless ``dry_run`` or refused, apply) one file of ``kind``.

    Raises :class:`PermissionRefused` when the user's role may not write what the
    kind writes; every other problem is in the result.
    """
    importer = importer_for(kind, user=user, options=options)
    permission_require(user, *importer.permissions, doing=importer.doing)
    importer.progress = progress
    result = ImportResult(kind=kind, dry_run=dry_run)
    try:
        table = read_table(content, filename)
    except TableError as unreadable:
        return _refused(result, unreadable.problems)
    rows = importer.rows_from(table)
    result.rows = len(table.rows)
    if not rows and not importer.problems:
        return _refused(result, [Problem(0, "", "The file has a header but no rows.")])
    if importer.problems and any(problem.row == 1 for problem in importer.problems):
        return _refused(result, importer.problems)
    importer.plan(rows)
    for row in rows:
        if row.action:
            result.counts[row.action] += 1
    result.sample = [
        (row.number, row.action, str(next(iter(row.raw.values()), ""))) for row in rows[:50]
    ]
    if importer.problems:
        return _refused(result, importer.problems)
    if dry_run:
        return result
    try:
        with transaction.atomic():
            importer.apply([row for row in rows if row.action in (CREATE, UPDATE)])
    except IntegrityError as clash:
        return _refused(
            result,
            [
                Problem(
                    0,
                    "",
                    "The database refused the import and nothing was changed; another person "
                    "may have changed the same records meanwhile. Run the import again. "
                    f"({str(clash).splitlines()[0][:200]})",
                )
            ],
        )
    except ApplyRefused as refused:  # a service refused a row: the file is not applied
        return _refused(result, [Problem(refused.row, refused.column, str(refused))])
    result.applied = True
    result.dry_run = False
    return result


def import_kinds() -> dict[str, Any]:
    return KINDS
