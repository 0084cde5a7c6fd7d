"""Demo text for the legal and help pages (erp.legal_pages): the demo shop's
imprint, terms, privacy, shipping and contact pages read like a real shop's.
Only a page still holding its placeholder is written; staff edits are kept."""

from django.apps import apps
from django.conf import settings
from django.contrib.flatpages.models import FlatPage

from erp import legal_pages
from erp.legal_pages import LegalPage

SELLER = settings.BANK_ACCOUNT["holder"]

DEMO_TEXT: dict[LegalPage, str] = {
    legal_pages.IMPRINT: (
        f"<p><strong>{SELLER}</strong><br>Heidestraße 17<br>51147 Köln<br>Germany</p>"
        "<p>Managing director: Jana Kontor<br>Commercial register: Amtsgericht Köln, "
        "HRB 000000<br>VAT ID: DE000000000</p>"
        "<p>E-mail: shop@example.com</p>"
    ),
    legal_pages.TERMS: (
        "<h2>1. Scope</h2><p>These terms apply to every order placed in this shop.</p>"
        "<h2>2. Contract</h2><p>Your order is an offer to buy; the contract is made when "
        "we confirm it by e-mail.</p>"
        "<h2>3. Prices and payment</h2><p>Prices include VAT for consumers; business "
        "customers see net prices. We accept card payment and bank transfer.</p>"
        "<h2>4. Right of withdrawal</h2><p>Consumers may withdraw within 14 days of "
        'delivery; see <a href="/shipping-returns/">Shipping &amp; returns</a>.</p>'
    ),
    legal_pages.PRIVACY: (
        f"<p>{SELLER} processes your name, addresses, e-mail address and order history "
        "to deliver and invoice your orders, as the contract requires.</p>"
        "<p>We keep invoices for ten years as tax law requires. We use no tracking and "
        "no analytics services; the shop sets only the cookies it needs to work.</p>"
        "<p>You may ask what we store about you, and have it corrected or deleted, by "
        "writing to shop@example.com.</p>"
    ),
    legal_pages.SHIPPING_RETURNS: (
        "<h2>Shipping</h2><p>Standard delivery takes 2-4 working days; express delivery "
        "arrives the next working day. The checkout shows the cost before you order.</p>"
        "<h2>Returns</h2><p>Request a return from your order page within 14 days of "
        "delivery. We send you a return number and the address; once the parcel arrives "
        "we refund you with a credit note.</p>"
    ),
    legal_pages.CONTACT: (
        f"<p><strong>{SELLER}</strong><br>Heidestraße 17, 51147 Köln</p>"
        "<p>E-mail: shop@example.com<br>Phone: +49 221 000000 (Mon-Fri, 9:00-17:00)</p>"
    ),
}


def seed_legal_pages() -> int:
    """Make sure every page exists, then give the placeholders demo text; returns
    how many pages got their demo text."""
    legal_pages.legal_pages_create(apps)
    written = 0
    for page, text in DEMO_TEXT.items():
        written += FlatPage.objects.filter(url=page.url, content=page.placeholder).update(
            content=text
        )
    return written
