"""Search and browse forms: plain Django forms, no search engine behind them."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchInput(forms.TextInput):
    input_type = "search"


class SearchForm(forms.Form):
    RELEVANCY = "relevancy"
    NEWEST = "newest"
    PRICE_HIGH_TO_LOW = "price-desc"
    PRICE_LOW_TO_HIGH = "price-asc"
    TITLE_A_TO_Z = "title-asc"
    TITLE_Z_TO_A = "title-desc"

    SORT_BY_CHOICES = [
        (RELEVANCY, _("Relevancy")),
        (NEWEST, _("Newest")),
        (PRICE_LOW_TO_HIGH, _("Price low to high")),
        (PRICE_HIGH_TO_LOW, _("Price high to low")),
        (TITLE_A_TO_Z, _("Title A to Z")),
        (TITLE_Z_TO_A, _("Title Z to A")),
    ]

    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Search"),
        widget=SearchInput({"placeholder": _("Search"), "tabindex": "1", "class": "form-control"}),
    )
    sort_by = forms.ChoiceField(
        label=_("Sort by"), choices=SORT_BY_CHOICES, widget=forms.Select(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("categories", None)
        super().__init__(*args, **kwargs)
        # the page's own sort box submits the form; keep it out of tab order noise
        self.selected_facets: list[str] = []
        self.selected_multi_facets: dict[str, list[str]] = {}

    @property
    def query(self) -> str:
        """The search text; empty when there is none or it is not valid (see
        :attr:`query_errors`: then nothing matches, rather than everything)."""
        self.is_valid()
        return self.cleaned_data.get("q", "")

    @property
    def query_errors(self) -> list[str]:
        """Why the search text cannot be searched for (too long, a NUL), if it cannot."""
        self.is_valid()
        return [str(error) for error in self.errors.get("q", [])]

    @property
    def ordering(self) -> str:
        """The chosen order; an unknown one falls back to the default."""
        self.is_valid()
        return self.cleaned_data.get("sort_by", "")


class BrowseCategoryForm(SearchForm):
    pass


class CategoryForm(SearchForm):
    pass
