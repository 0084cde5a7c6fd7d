"""Rich text that staff type (product, category, offer and shipping method
descriptions, flat pages) made safe to show on the shop's own origin.

Such text is HTML on purpose: a product description has paragraphs, lists and
links. Shown as it was typed, it would also run a ``<script>`` or an
``onerror=`` on the same origin as ``/admin/``, with the rights of whichever
staff member opens the page. So it passes an allow-list (nh3, the Rust
``ammonia`` sanitiser) on save, in the back-office forms, and again on render,
in the ``rich_text`` template filter (``erp.templatetags.rich_text``).

Invariants:

- :func:`rich_text_clean` returns only the tags and attributes listed here;
  no script, style, frame, form, event-handler attribute or ``style``
  attribute survives, and a link's URL is ``http``, ``https``, ``mailto`` or
  relative (never ``javascript:`` or ``data:``); every link gets
  ``rel="noopener noreferrer"``;
- cleaning is idempotent: cleaning cleaned text changes nothing, so a
  description cleaned on save shows unchanged when it is cleaned on render;
- templates show stored HTML only through ``|rich_text``, never ``|safe``
  (``tests/test_no_unsafe_templates.py`` keeps this true).
"""

from typing import Any

import nh3
from django import forms

TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "abbr": frozenset({"title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_cleaner = nh3.Cleaner(
    tags=set(TAGS),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def rich_text_clean(html: str) -> str:
    """``html`` with everything outside the allow-list removed (a script's or
    style sheet's content included), text escaped where it needs to be."""
    if not html:
        return ""
    return _cleaner.clean(str(html))


class RichTextFormField(forms.CharField):
    """A text field whose value is stored as cleaned rich text."""

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        return rich_text_clean(cleaned) if cleaned else cleaned
