from decimal import Decimal

import pytest

from crm.models import Buyer, Company, Contact
from data_exchange.tests.kind_helpers import counts, export_text, problems, run
from erp.permissions import PermissionRefused
from tests.factories import CompanyFactory, PriceListFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "name,tax_id,email,billing_address,payment_terms,credit_limit,price_list,"
    "contact_name,contact_role,contact_email,contact_phone,buyer_emails\n"
)


def state() -> list[tuple]:
    return list(
        Company.objects.order_by("name").values_list(
            "name", "tax_id", "email", "payment_terms", "credit_limit", "price_list__name"
        )
    )


def contacts() -> list[tuple]:
    return list(
        Contact.objects.order_by("company__name", "name").values_list(
            "company__name", "name", "role", "email", "phone"
        )
    )


def buyers() -> list[tuple]:
    return list(
        Buyer.objects.order_by("company__name", "user__email").values_list(
            "company__name", "user__email"
        )
    )


def test_a_clean_file_creates_companies_with_contact_and_buyers():
    PriceListFactory(name="Dealers")
    UserFactory(username="anna", email="Anna@Bergwelt.example")
    UserFactory(username="ben", email="ben@bergwelt.example")

    result = run(
        "companies",
        HEADER
        + 'Bergwelt GmbH,DE 136 695 976,info@bergwelt.example,"Hauptstr. 1\n10115 Berlin",60,'
        + '"5.000,00",dealers,Anna Berg,Buyer,anna@bergwelt.example,+49 30 1234,'
        + '"anna@bergwelt.example; BEN@bergwelt.example"\n'
        + "Nordlicht AB,,ap@nordlicht.example,Storgatan 2,,,,,,,,\n",
    )

    assert result.applied and counts(result) == {"create": 2}
    assert state() == [
        (
            "Bergwelt GmbH",
            "DE136695976",
            "info@bergwelt.example",
            60,
            Decimal("5000.00"),
            "Dealers",
        ),
        ("Nordlicht AB", "", "ap@nordlicht.example", 30, Decimal("0.00"), None),
    ]
    assert contacts() == [
        ("Bergwelt GmbH", "Anna Berg", "Buyer", "anna@bergwelt.example", "+49 30 1234")
    ]
    assert buyers() == [
        ("Bergwelt GmbH", "Anna@Bergwelt.example"),
        ("Bergwelt GmbH", "ben@bergwelt.example"),
    ]


def test_a_known_name_updates_the_company_and_an_email_case_change_is_unchanged():
    CompanyFactory(name="Bergwelt GmbH", email="info@bergwelt.example", price_list=None, tax_id="")
    short = "name,email,billing_address\n"

    same = run(
        "companies",
        short
        + 'Bergwelt GmbH,INFO@bergwelt.example,"Industriestraße 1\n70565 Stuttgart\nGermany"\n',
    )
    moved = run("companies", short + "BERGWELT  gmbh,info@bergwelt.example,Neue Str. 5\n")

    assert counts(same) == {"unchanged": 1}
    assert counts(moved) == {"update": 1}
    assert Company.objects.get().billing_address == "Neue Str. 5"
    assert Company.objects.get().name == "BERGWELT  gmbh"


def test_a_messy_file_reports_every_problem_and_changes_nothing():
    CompanyFactory(
        name="Müller Outdoor GmbH",
        email="info@mueller.example",
        tax_id="DE136695976",
        billing_address="Hauptstraße 1, 10115 Berlin",
    )
    CompanyFactory(name="Twice", email="a@twice.example")
    CompanyFactory(name="twice", email="b@twice.example")
    other = CompanyFactory(name="Other AG", email="x@other.example")
    taken = UserFactory(username="taken", email="taken@x.example")
    Buyer.objects.create(user=taken, company=other)
    before = (state(), contacts(), buyers())

    result = run(
        "companies",
        HEADER
        + "Mueller Outdoor AG,,new@x.example,Hauptstrasse 1 10115 Berlin,,,,,,,,\n"  # 2
        + "Neu GmbH,de136695976,neu@x.example,Somewhere 1,,,,,,,,\n"  # 3
        + "Neu2 GmbH,,INFO@Mueller.example,Somewhere 2,,,,,,,,\n"  # 4
        + "Twice,,t@x.example,Street,,,,,,,,\n"  # 5
        + "Alpha,DE136695977,alpha@x.example,Street,45,-1,Nowhere,,Boss,bad-mail,,"
        + "ghost@x.example;taken@x.example\n"  # 6
        + "alpha,,alpha2@x.example,Street,,,,,,,,\n"  # 7
        + "Beta,,beta@x.example,,,12.5x,,,,,,\n",  # 8
    )

    assert problems(result) == [
        (
            2,
            "name",
            "Looks like the existing company Müller Outdoor GmbH (same name, same address). "
            "Update that company instead (use its key), or fix the row if it is another one.",
        ),
        (
            3,
            "tax_id",
            "Looks like the existing company Müller Outdoor GmbH (same tax id). "
            "Update that company instead (use its key), or fix the row if it is another one.",
        ),
        (
            4,
            "email",
            "Looks like the existing company Müller Outdoor GmbH (same e-mail). "
            "Update that company instead (use its key), or fix the row if it is another one.",
        ),
        (5, "name", "2 companies are named “Twice”; rename one first."),
        (
            6,
            "buyer_emails",
            "No shop account has the e-mail ghost@x.example; import it as a customer first.",
        ),
        (
            6,
            "buyer_emails",
            "taken@x.example already buys for another company; a buyer buys for one.",
        ),
        (6, "contact_email", "“bad-mail” is not an e-mail address."),
        (
            6,
            "contact_name",
            "Give the contact's name (the other contact columns are filled).",
        ),
        (6, "credit_limit", "A price or amount cannot be negative (“-1”)."),
        (6, "payment_terms", "Payment terms are 0, 15, 30, 60 days, not “45”."),
        (
            6,
            "price_list",
            "There is no price list “Nowhere”; create it in the admin first (the lists are "
            + ", ".join(sorted(Company.objects.values_list("price_list__name", flat=True)))
            + ").",
        ),
        (6, "tax_id", "“DE136695977” is not a valid DE VAT number (check the digits)."),
        (
            7,
            "name",
            "alpha is already on row 6 (written “Alpha” there); each appears once per file.",
        ),
        (8, "billing_address", "This value is required."),
        (
            8,
            "credit_limit",
            "“12.5x” is not a price or amount; write it like 12.50 or 12,50 (no letters or units).",
        ),
    ]
    assert (state(), contacts(), buyers()) == before


def test_two_new_rows_of_one_company_in_a_file_are_reported():
    result = run(
        "companies",
        "name,email,billing_address\n"
        + "Südwind KG,a@sw.example,Street 1\n"
        + "Suedwind,b@sw.example,Street 1\n",
    )

    assert problems(result) == [
        (
            3,
            "name",
            "Looks like the new company on row 2 (same name, same address) of this file. "
            "Each company appears once per file.",
        )
    ]


def test_a_dry_run_writes_nothing():
    result = run("companies", "name,email,billing_address\nNeu,n@x.example,Street\n", dry_run=True)

    assert counts(result) == {"create": 1} and state() == []


def test_export_then_import_is_all_unchanged():
    PriceListFactory(name="Dealers")
    UserFactory(username="anna", email="anna@bergwelt.example")
    run(
        "companies",
        HEADER
        + 'Bergwelt GmbH,DE136695976,info@bergwelt.example,"Hauptstr. 1\n10115 Berlin",60,'
        + "5000,Dealers,Anna Berg,Buyer,anna@bergwelt.example,+49 30 1234,anna@bergwelt.example\n"
        + "Nordlicht AB,,ap@nordlicht.example,Storgatan 2,,,,,,,,\n",
    )

    result = run("companies", export_text("companies"))

    assert counts(result) == {"unchanged": 2}


def test_a_role_without_crm_permissions_is_refused():
    with pytest.raises(PermissionRefused):
        run(
            "companies",
            "name,email,billing_address\nNeu,n@x.example,Street\n",
            user=StaffFactory(username="buyer", role="Purchasing"),
        )
    assert run(
        "companies",
        "name,email,billing_address\nNeu,n@x.example,Street\n",
        user=StaffFactory(username="sales", role="Sales"),
    ).applied
