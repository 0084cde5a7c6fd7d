"""``{% legal_pages as pages %}``: the shop's legal and help pages for the footer
and the checkout, from :mod:`erp.legal_pages` (no query: the 500 page uses it)."""

from django import template

from erp.legal_pages import LEGAL_PAGES, LegalPage

register = template.Library()


@register.simple_tag
def legal_pages(at_checkout: bool = False) -> tuple[LegalPage, ...]:
    if at_checkout:
        return tuple(page for page in LEGAL_PAGES if page.at_checkout)
    return LEGAL_PAGES
