"""``manage.py export_data <kind> <file>``: every record of a kind, in the columns
its import reads (``.csv`` or ``.xlsx`` by the file's name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from data_exchange.kinds import KINDS
from data_exchange.resources import FORMATS, export_bytes


class Command(BaseCommand):
    help = "Export every record of one kind to a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        file_format = path.suffix.lower().lstrip(".")
        if file_format not in FORMATS:
            raise CommandError(f"Name the file .csv or .xlsx, not {path.name}.")
        content = export_bytes(options["kind"], file_format)
        path.write_bytes(content)
        self.stdout.write(f"{options['kind']}: wrote {path} ({len(content)} bytes).")
