"""``manage.py data_quality [--csv FILE]``: the data-quality report's table (check,
count), and with ``--csv`` every record of every check written to FILE."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from data_exchange.quality import quality_csv_rows, quality_summary
from erp.csv_export import csv_cell
from erp.permissions import SYSTEM


class Command(BaseCommand):
    help = "Print the data-quality report (check, count); --csv FILE writes every record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", type=Path, metavar="FILE", help="write every record here")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = quality_summary(user=SYSTEM)
        width = max(len(line.check.title) for line in summary)
        self.stdout.write(f"{'check':<{width}}  {'count':>7}")
        for line in summary:
            self.stdout.write(f"{line.check.title:<{width}}  {line.count:>7}")
        path: Path | None = options["csv"]
        if path is None:
            return
        written = -1  # the header is not a record
        with path.open("w", newline="", encoding="utf-8") as target:
            writer = csv.writer(target)
            for row in quality_csv_rows(user=SYSTEM):
                writer.writerow([csv_cell(value) for value in row])
                written += 1
        self.stdout.write(f"Wrote {written} records to {path}.")
