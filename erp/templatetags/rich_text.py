"""``{{ value|rich_text }}``: stored HTML typed by staff, shown through the
allow-list of :mod:`erp.sanitize`. The one way a template shows stored HTML;
``|safe`` is never used on stored input."""

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from erp.sanitize import rich_text_clean

register = template.Library()


@register.filter(name="rich_text")
def rich_text(value: Any) -> SafeString:
    # cleaned even when the value is already marked safe (Django's flat pages
    # mark their content safe): "safe" says who made it, not what is in it
    if value is None:
        return mark_safe("")
    return mark_safe(rich_text_clean(str(value)))  # noqa: S308 - cleaned by the allow-list
