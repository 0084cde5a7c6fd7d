"""``manage.py import_data <kind> <file> [--dry-run]``: a large file from the shell.

Prints a progress bar on a terminal, then the summary (created / updated / unchanged /
errors) and every error by row. Exit code 0 when the file was applied (or, with
``--dry-run``, would be), 1 when it was refused: then nothing was changed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from data_exchange.kinds import KINDS
from data_exchange.services import import_file
from erp.permissions import SYSTEM

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of one kind; all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check only; change nothing.")
        parser.add_argument(
            "--create-missing-categories",
            action="store_true",
            help="products: create the categories the file names that do not exist.",
        )

    def _progress(self, stage: str, done: int, total: int) -> None:
        if not self.stdout.isatty() or not total:
            return
        filled = BAR_WIDTH * done // total
        self.stdout.write(
            f"\r{stage:<9} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}",
            ending="",
        )
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        result = import_file(
            kind=options["kind"],
            content=path.read_bytes(),
            filename=path.name,
            user=SYSTEM,
            dry_run=options["dry_run"],
            options={"create_missing_categories": options["create_missing_categories"]},
            progress=self._progress,
        )
        if self.stdout.isatty():
            self.stdout.write("")
        for problem in result.problems:
            self.stdout.write(
                f"row {problem.row:>7}  {problem.column or '-':<14} {problem.message}"
                + (f"  [{problem.value}]" if problem.value else "")
            )
        if result.problem_count > len(result.problems):
            self.stdout.write(f"... and {result.problem_count - len(result.problems)} more")
        verdict = (
            "refused: nothing was changed"
            if result.refused
            else ("checked (dry run): nothing was changed" if result.dry_run else "applied")
        )
        self.stdout.write(f"{result.kind}: {result.rows} rows; {result.summary()}; {verdict}.")
        if result.refused:
            sys.exit(1)
