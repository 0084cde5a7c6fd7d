"""The seller settings must fit the invoice fields they are copied into, and
name the seller: otherwise issuing an invoice (inside a shipment's
transaction) would fail, or print an invoice without the seller."""

from typing import Any

from django.core.checks import Error, register

from accounting.models import Invoice
from accounting.seller import seller_now

REQUIRED = ("legal_name", "address", "vat_id", "bank_iban", "bank_bic")


@register()
def seller_settings_fit(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    for name, value in seller_now().as_fields().items():
        setting = "SELLER_" + name.removeprefix("seller_").upper()
        limit = getattr(Invoice._meta.get_field(name), "max_length", None)
        if not value.strip() and name.removeprefix("seller_") in REQUIRED:
            errors.append(
                Error(f"{setting} is empty: invoices must name it.", id="accounting.E001")
            )
        elif limit is not None and len(value) > limit:
            errors.append(
                Error(
                    f"{setting} is {len(value)} characters long; invoices keep at most {limit}.",
                    id="accounting.E002",
                )
            )
    return errors
