"""Company addresses: Sales keep them in the admin, on the company's page; a
buyer only ever finds their own company's, of the kind asked for."""

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.test import Client

from crm.models import CompanyAddress
from crm.selectors import company_address_of, company_addresses, order_address_fields
from tests.factories import CompanyFactory, StaffFactory, shipping_address

pytestmark = pytest.mark.django_db


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_sales_add_a_delivery_address_in_the_company_s_admin_page(client: Client):
    germany = shipping_address().country
    company = CompanyFactory(name="Alpine Outfitters GmbH", credit_limit=Decimal("1000.00"))
    client.force_login(StaffFactory(username="sam", role="Sales"))

    page = client.get(f"/admin/crm/company/{company.pk}/change/")
    assert page.status_code == 200
    assert "Company addresses" in page.content.decode()
    response = client.post(
        f"/admin/crm/company/{company.pk}/change/",
        {
            "name": company.name,
            "tax_id": "",
            "billing_address": company.billing_address,
            "email": company.email,
            "payment_terms": "30",
            "price_list": company.price_list_id,
            "is_active": "on",
            **inline_management("addresses", total=1),
            "addresses-0-label": "Warehouse Ulm",
            "addresses-0-attention": "Goods receiving",
            "addresses-0-line1": "Lagerstraße 3",
            "addresses-0-postcode": "89073",
            "addresses-0-city": "Ulm",
            "addresses-0-country": germany.pk,
            "addresses-0-is_shipping": "on",
            **inline_management("buyers"),
            **inline_management("contacts"),
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    address = CompanyAddress.objects.get()
    assert (address.company, address.label, address.city, address.is_shipping) == (
        company,
        "Warehouse Ulm",
        "Ulm",
        True,
    )


def test_an_address_for_neither_billing_nor_shipping_is_refused_by_the_database():
    germany = shipping_address().country
    with pytest.raises(IntegrityError):
        CompanyAddress.objects.create(
            company=CompanyFactory(),
            label="Nowhere",
            line1="Weg 1",
            postcode="10115",
            city="Berlin",
            country=germany,
            is_billing=False,
            is_shipping=False,
        )


def test_a_buyer_finds_only_their_company_s_addresses_of_the_kind_asked():
    germany = shipping_address().country
    mine, theirs = CompanyFactory(name="Mine GmbH"), CompanyFactory(name="Theirs AG")

    def address(company, label, *, billing, shipping):
        return CompanyAddress.objects.create(
            company=company,
            label=label,
            line1="Weg 1",
            postcode="10115",
            city="Berlin",
            country=germany,
            is_billing=billing,
            is_shipping=shipping,
        )

    office = address(mine, "Office", billing=True, shipping=False)
    depot = address(mine, "Depot", billing=False, shipping=True)
    other = address(theirs, "Other", billing=True, shipping=True)

    assert company_addresses(mine, kind="shipping") == [depot]
    assert company_addresses(mine, kind="billing") == [office]
    assert company_addresses(None, kind="billing") == []
    assert company_address_of(mine, str(depot.pk), kind="shipping") == depot
    assert company_address_of(mine, office.pk, kind="shipping") is None
    assert company_address_of(mine, other.pk, kind="billing") is None
    assert company_address_of(mine, "x", kind="billing") is None
    assert order_address_fields(depot, mine) == {
        "first_name": "",
        "last_name": "Mine GmbH",
        "line1": "Weg 1",
        "line2": "",
        "line3": "",
        "line4": "Berlin",
        "state": "",
        "postcode": "10115",
        "country_id": germany.pk,
    }
