"""The seller an invoice names: legal name, address, VAT ID, company
registration and bank account, as EU invoices must show them.

They come from the settings (``SELLER_*``, see README) and are copied onto
each invoice and credit note when it is issued (``seller_now``); a document
then prints its own copy (``seller_of``), so changing the settings never
changes a document already issued. Packing slips, which are not accounting
documents, print the settings as they are.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Seller:
    legal_name: str
    address: str
    vat_id: str
    registration: str
    bank_iban: str
    bank_bic: str

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]

    def as_fields(self) -> dict[str, str]:
        """The invoice's ``seller_*`` fields holding this seller."""
        return {
            "seller_legal_name": self.legal_name,
            "seller_address": self.address,
            "seller_vat_id": self.vat_id,
            "seller_registration": self.registration,
            "seller_bank_iban": self.bank_iban,
            "seller_bank_bic": self.bank_bic,
        }


def seller_now() -> Seller:
    """The seller as the settings say now."""
    return Seller(
        legal_name=settings.SELLER_LEGAL_NAME,
        address=settings.SELLER_ADDRESS,
        vat_id=settings.SELLER_VAT_ID,
        registration=settings.SELLER_REGISTRATION,
        bank_iban=settings.SELLER_BANK_IBAN,
        bank_bic=settings.SELLER_BANK_BIC,
    )


def seller_of(document: Any) -> Seller:
    """The seller as the invoice or credit note was issued with."""
    return Seller(
        legal_name=document.seller_legal_name,
        address=document.seller_address,
        vat_id=document.seller_vat_id,
        registration=document.seller_registration,
        bank_iban=document.seller_bank_iban,
        bank_bic=document.seller_bank_bic,
    )
