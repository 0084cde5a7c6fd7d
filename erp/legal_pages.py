"""The shop's legal and help pages: imprint, terms, privacy, shipping & returns,
contact. They are Django flat pages, so staff write them in the back office
(Manager role); what is fixed here is which pages exist and where they live.

Invariants:
- a fresh install has every page (data migration ``erp.0010``), with placeholder
  text saying that the owner writes it; an existing page is never overwritten.
- the storefront footer links :data:`LEGAL_PAGES` from this list, not from the
  database: no page pays a query for it (the pinned query counts of list pages
  stay), and the 500 page, rendered without the database, shows them too.
- the page text is staff HTML, shown through ``|rich_text`` (``erp.sanitize``).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.color import no_style


@dataclass(frozen=True)
class LegalPage:
    url: str
    title: str
    #: links to it beside the order summary of the checkout's last step
    at_checkout: bool = False

    @property
    def placeholder(self) -> str:
        return (
            f"<p>The shop owner has not written the {self.title.lower()} page yet.</p>"
            "<p>Staff with the Manager role edit it in the back office, under "
            "<em>Flat pages</em>.</p>"
        )


IMPRINT = LegalPage("/imprint/", "Imprint")
TERMS = LegalPage("/terms/", "Terms and conditions", at_checkout=True)
PRIVACY = LegalPage("/privacy/", "Privacy policy", at_checkout=True)
SHIPPING_RETURNS = LegalPage("/shipping-returns/", "Shipping & returns")
CONTACT = LegalPage("/contact/", "Contact")

LEGAL_PAGES = (IMPRINT, TERMS, PRIVACY, SHIPPING_RETURNS, CONTACT)


def legal_pages_create(apps: Any, schema_editor: Any = None) -> int:
    """Create the pages that are missing, on the current site; returns how many.

    Takes the app registry so the data migration can run it with historical
    models; a running project passes ``django.apps.apps``."""
    Site = apps.get_model("sites", "Site")
    FlatPage = apps.get_model("flatpages", "FlatPage")
    site = Site.objects.filter(pk=settings.SITE_ID).first()
    if site is None:
        # migrations run before Django's post_migrate creates the default site
        site = Site.objects.create(pk=settings.SITE_ID, domain="example.com", name="example.com")
        _sequence_reset(schema_editor, Site)
    created = 0
    for page in LEGAL_PAGES:
        flatpage, is_new = FlatPage.objects.get_or_create(
            url=page.url, defaults={"title": page.title, "content": page.placeholder}
        )
        flatpage.sites.add(site)
        created += is_new
    return created


def _sequence_reset(schema_editor: Any, model: Any) -> None:
    # a row inserted with its own pk leaves the id sequence behind (as Django's
    # create_default_site does, move it past the row)
    if schema_editor is None:
        from django.db import connection
    else:
        connection = schema_editor.connection
    statements = connection.ops.sequence_reset_sql(no_style(), [model])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
