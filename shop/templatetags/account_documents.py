"""``{{ invoice|document_status }}``: an invoice's or credit note's state as the
customer reads it (``shop.account.selectors.document_status``)."""

from typing import Any

from django import template

from shop.account.selectors import document_status as status_of

register = template.Library()


@register.filter
def document_status(document: Any) -> str:
    return status_of(document)
