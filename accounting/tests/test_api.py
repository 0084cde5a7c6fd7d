"""Contract of /api/v1/invoices/: a customer's own invoices and credit notes (a B2B
buyer: their company's), as JSON and as the account pages' PDF; anyone else's is
a 404, anonymous callers get 401."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounting.services import (
    Customer,
    InvoiceLineData,
    credit_note_issue,
    invoice_issue,
    payment_receive,
)
from tests.api.conftest import assert_error, client_for
from tests.factories import CompanyFactory, StaffFactory, UserFactory, buyer_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/invoices/"
TAX = Decimal("0.19")


def issue(user, source: str, *, day: date = date(2025, 3, 1), order_number: str = "100042"):
    """An invoice of two tents (2 x 50.00) plus shipping (4.90), 19% tax, net 30."""
    return invoice_issue(
        source=source,
        customer=Customer(email=user.email, name="Erika Mustermann", address="Köln", user=user),
        lines=[
            InvoiceLineData(
                description="Fjord Tent 2P",
                quantity=Decimal("2"),
                unit_price=Decimal("50.00"),
                tax_rate=TAX,
                sku="SKU-TENT",
            ),
            InvoiceLineData(
                description="Shipping",
                quantity=Decimal("1"),
                unit_price=Decimal("4.90"),
                tax_rate=TAX,
                is_shipping=True,
            ),
        ],
        currency="EUR",
        day=day,
        due_in_days=30,
        terms="Net 30",
        order_number=order_number,
    )


@pytest.fixture
def erika():
    return UserFactory(username="erika", email="erika@example.com")


@pytest.fixture
def invoice(erika):
    document = issue(erika, "test:erika-1")
    payment_receive(
        source="test:erika-1-payment",
        amount=Decimal("24.83"),
        method="bank_transfer",
        invoice=document,
        day=date(2025, 3, 5),
    )
    document.refresh_from_db()
    return document


def test_the_customer_gets_their_invoice_field_by_field(erika, invoice):
    response = client_for(erika).get(f"{URL}{invoice.number}/")

    assert response.status_code == 200
    assert response.json() == {
        "number": invoice.number,
        "kind": "invoice",
        "order_number": "100042",
        "issue_date": "2025-03-01",
        "due_date": "2025-03-31",
        "status": "partially_paid",
        "payment_terms": "Net 30",
        "net_total": {"amount": "104.90", "currency": "EUR"},
        "tax_total": {"amount": "19.93", "currency": "EUR"},
        "total": {"amount": "124.83", "currency": "EUR"},
        "amount_settled": {"amount": "24.83", "currency": "EUR"},
        "amount_open": {"amount": "100.00", "currency": "EUR"},
        "lines": [
            {
                "description": "Fjord Tent 2P",
                "sku": "SKU-TENT",
                "quantity": "2.00",
                "unit_price": "50.0000",
                "tax_rate": "0.1900",
                "net": "100.00",
                "tax": "19.00",
                "total": "119.00",
                "is_shipping": False,
            },
            {
                "description": "Shipping",
                "sku": "",
                "quantity": "1.00",
                "unit_price": "4.9000",
                "tax_rate": "0.1900",
                "net": "4.90",
                "tax": "0.93",
                "total": "5.83",
                "is_shipping": True,
            },
        ],
    }


def test_the_list_is_paginated_newest_first_with_credit_notes(erika, invoice):
    credit_note = credit_note_issue(
        source="test:erika-1-credit",
        invoice=invoice,
        lines=[
            InvoiceLineData(
                description="Fjord Tent 2P",
                quantity=Decimal("1"),
                unit_price=Decimal("50.00"),
                tax_rate=TAX,
                sku="SKU-TENT",
            )
        ],
        day=date(2025, 3, 10),
    )
    client = client_for(erika)

    body = client.get(URL).json()

    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert [(i["number"], i["kind"]) for i in body["results"]] == [
        (credit_note.number, "credit_note"),
        (invoice.number, "invoice"),
    ]
    assert body["results"][1] == client.get(f"{URL}{invoice.number}/").json()
    assert body["results"][0]["total"] == {"amount": "59.50", "currency": "EUR"}


def test_the_pdf_is_the_account_pages_document(erika, invoice):
    response = client_for(erika).get(f"{URL}{invoice.number}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{invoice.number}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")
    assert f"Invoice {invoice.number}".encode() in response.content


def test_the_pdf_can_be_asked_for_by_accept_header(erika, invoice):
    response = client_for(erika).get(f"{URL}{invoice.number}/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_another_customer_gets_404_for_the_invoice_and_its_pdf_and_sees_none(invoice):
    mallory = client_for(UserFactory(username="mallory"))

    assert_error(mallory.get(f"{URL}{invoice.number}/"), 404, "not_found")
    assert_error(mallory.get(f"{URL}{invoice.number}/pdf/"), 404, "not_found")
    pdf_asked = mallory.get(f"{URL}{invoice.number}/pdf/", HTTP_ACCEPT="application/pdf")
    assert_error(pdf_asked, 404, "not_found")  # still the JSON error shape
    assert pdf_asked["Content-Type"] == "application/json"
    assert mallory.get(URL).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_staff_see_only_their_own_invoices_here_too(invoice):
    manager = client_for(StaffFactory(username="max", role="Manager"))

    assert_error(manager.get(f"{URL}{invoice.number}/"), 404, "not_found")


def test_b2b_buyers_see_their_companys_invoices_and_no_other_companys():
    company_a, company_b = CompanyFactory(), CompanyFactory()
    anna, alex = buyer_for(company_a, "anna"), buyer_for(company_a, "alex")
    bert = buyer_for(company_b, "bert")
    invoice_of_anna = issue(anna, "test:anna-1")

    colleague = client_for(alex)
    other_company = client_for(bert)

    assert colleague.get(f"{URL}{invoice_of_anna.number}/").status_code == 200
    assert colleague.get(f"{URL}{invoice_of_anna.number}/pdf/").status_code == 200
    assert [i["number"] for i in colleague.get(URL).json()["results"]] == [invoice_of_anna.number]
    assert_error(other_company.get(f"{URL}{invoice_of_anna.number}/"), 404, "not_found")
    assert_error(other_company.get(f"{URL}{invoice_of_anna.number}/pdf/"), 404, "not_found")
    assert other_company.get(URL).json()["count"] == 0


@pytest.mark.parametrize("suffix", ["", "{number}/", "{number}/pdf/"])
def test_anonymous_callers_get_401(api: APIClient, invoice, suffix):
    response = api.get(URL + suffix.format(number=invoice.number))

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("number", ["NOPE", "INV-%E2%82%AC", "x" * 300])
def test_unknown_or_garbage_numbers_are_404(erika, invoice, number):
    client = client_for(erika)

    assert_error(client.get(f"{URL}{number}/"), 404, "not_found")
    assert_error(client.get(f"{URL}{number}/pdf/"), 404, "not_found")


def test_a_number_with_a_nul_is_400(erika, invoice):
    client = client_for(erika)

    # refused before any view (erp.middleware): PostgreSQL stores no NUL
    assert_error(client.get(f"{URL}%00/"), 400, "invalid")
    assert_error(client.get(f"{URL}%00/pdf/"), 400, "invalid")


#: the token, the buyer's company (none here), count, page, lines
LIST_QUERIES = 5


def test_the_list_costs_the_same_queries_for_1_and_n_invoices(erika, django_assert_num_queries):
    client = client_for(erika)
    issue(erika, "test:q-0")
    client.get(URL)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(URL).json()["count"] == 1

    for index in range(1, 12):
        issue(erika, f"test:q-{index}")
    with django_assert_num_queries(LIST_QUERIES):
        assert len(client.get(URL).json()["results"]) == 12


def test_a_b2b_buyers_list_costs_the_same_queries_too(django_assert_num_queries):
    company = CompanyFactory()
    anna, alex = buyer_for(company, "anna"), buyer_for(company, "alex")
    client = client_for(alex)
    issue(anna, "test:b-0")
    client.get(URL)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(URL)

    for index in range(1, 8):
        issue(anna if index % 2 else alex, f"test:b-{index}")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(URL).json()["count"] == 8
