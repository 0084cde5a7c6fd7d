"""Reading an uploaded file into a header and rows of text, whatever produced it.

CSV comes from every spreadsheet and old system with its own habits: UTF-8 with or
without a byte-order mark, Windows-1252, comma, semicolon or tab between fields. XLSX
is read cell by cell with openpyxl; a formula is refused (its value is whatever the
program that saved the file last computed, or nothing), so the person pastes values.
Every cell comes back as stripped text; typing it is the columns' job (``values``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

MAX_FILE_BYTES = 200 * 1024 * 1024
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: its row (as the spreadsheet numbers it, the
    header being row 1; 0 for the file as a whole), column and value, and a message
    a person understands."""

    row: int
    column: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class TableError(Exception):
    """The file cannot be read as a table at all; ``problems`` say why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    #: the spreadsheet row number of each of ``rows`` (blank rows are skipped)
    numbers: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def file_format(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise TableError(
            [Problem(0, "", f"“{filename}” is not a .csv or .xlsx file; save it as one of those.")]
        )
    return suffix


def read_table(content: bytes, filename: str) -> Table:
    """The file as a :class:`Table`, or :class:`TableError`."""
    kind = file_format(filename)
    if len(content) > MAX_FILE_BYTES:
        raise TableError(
            [Problem(0, "", f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")]
        )
    table = _read_xlsx(content) if kind == "xlsx" else _read_csv(content)
    if not table.header or not any(table.header):
        raise TableError([Problem(1, "", "The file has no header row.")])
    return table


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _read_csv(content: bytes) -> Table:
    text = _decode(content)
    if "\x00" in text:
        raise TableError([Problem(0, "", "The file holds NUL characters: it is not a CSV file.")])
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = Table(header=[], rows=[])
    try:
        for number, row in enumerate(reader, start=1):
            cells = [cell.strip() for cell in row]
            if number == 1:
                table.header = cells
            elif any(cells):
                table.rows.append(cells)
                table.numbers.append(number)
    except csv.Error as broken:
        raise TableError(
            [Problem(reader.line_num, "", f"The CSV is malformed: {broken}.")]
        ) from None
    return table


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # a spreadsheet number: as Decimal from its shortest repr, never 12.499999
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise TableError([Problem(0, "", "The file is not a readable .xlsx workbook.")]) from None
    sheet = workbook.worksheets[0]
    table = Table(header=[], rows=[])
    for number, row in enumerate(sheet.iter_rows(), start=1):
        cells: list[str] = []
        for cell in row:
            if getattr(cell, "data_type", "") == "f":
                column = table.header[len(cells)] if len(cells) < len(table.header) else ""
                table.problems.append(
                    Problem(
                        number,
                        column,
                        "This cell holds a formula; paste its value instead "
                        "(formulas are not imported).",
                        str(cell.value)[:60],
                    )
                )
                cells.append("")
            else:
                cells.append(_cell_text(cell.value))
        if number == 1:
            while cells and not cells[-1]:
                cells.pop()
            table.header = cells
        elif any(cells):
            table.rows.append(cells)
            table.numbers.append(number)
    workbook.close()
    return table
