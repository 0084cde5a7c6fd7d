"""The back office's upload and export forms: they parse input; the work is
``data_exchange.jobs``'."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from data_exchange.kinds.base import Importer
from data_exchange.tables import FORMATS, MAX_FILE_BYTES

MEGABYTE = 1024 * 1024


def kind_choices(kinds: list[type[Importer]]) -> list[tuple[str, str]]:
    return [(importer.kind, importer.title) for importer in kinds]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds")
    file = forms.FileField(
        label="File (CSV or XLSX)",
        help_text=f"The first row names the columns; at most {MAX_FILE_BYTES // MEGABYTE} MB. "
        "Nothing is changed until you confirm the preview.",
    )
    create_missing_categories = forms.BooleanField(
        required=False,
        label="Create missing categories",
        help_text="Products only: a category path the catalogue does not have yet is created "
        "instead of being reported as an error.",
    )

    def __init__(self, kinds: list[type[Importer]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = kind_choices(kinds)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if suffix not in FORMATS:
            raise forms.ValidationError(
                f"“{upload.name}” is not a .csv or .xlsx file; save it as one of those."
            )
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / MEGABYTE:.1f} MB; "
                f"the limit is {MAX_FILE_BYTES // MEGABYTE} MB."
            )
        return upload

    def options(self) -> dict[str, Any]:
        if self.cleaned_data.get("create_missing_categories"):
            return {"create_missing_categories": True}
        return {}


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label="What to export")
    file_format = forms.ChoiceField(
        label="Format",
        choices=[("csv", "CSV (UTF-8)"), ("xlsx", "Excel (XLSX)")],
        initial="csv",
        widget=forms.RadioSelect,
    )

    def __init__(self, kinds: list[type[Importer]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = kind_choices(kinds)
