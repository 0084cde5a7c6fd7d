"""Files and catalogue set-ups the data-exchange tests share."""

import csv
import io
from typing import Any

from oscar.core.loading import get_model

Category = get_model("catalogue", "Category")


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    """A CSV file as a spreadsheet program saves it (UTF-8, comma, CRLF)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def dome_category() -> Any:
    """The category "Tents > Dome"."""
    tents = Category.objects.add_root({"name": "Tents", "slug": "tents"})
    return Category.objects.add_child(tents, {"name": "Dome", "slug": "dome"})
