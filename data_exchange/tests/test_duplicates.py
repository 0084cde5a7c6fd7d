import pytest
from oscar.core.loading import get_model

from crm.models import Buyer
from data_exchange.duplicates import (
    Record,
    TaxIdError,
    company_duplicate_pairs,
    customer_duplicate_pairs,
    likely_duplicates,
    name_key,
    normalise_email,
    supplier_duplicate_pairs,
    tax_id_clean,
)
from purchasing.tests.factories import SupplierFactory
from tests.factories import CompanyFactory, StaffFactory, UserFactory

UserAddress = get_model("address", "UserAddress")
Country = get_model("address", "Country")


def test_an_email_is_compared_without_case_or_blanks():
    assert normalise_email("  Info@Alpine.DE ") == "info@alpine.de"
    assert normalise_email(None) == ""


def test_a_name_key_transliterates_umlauts_and_drops_legal_forms():
    assert name_key("Müller Outdoor GmbH & Co. KG") == "mueller outdoor"
    assert name_key("MUELLER outdoor") == "mueller outdoor"
    assert name_key("Großhandel Süd e.K.") == "grosshandel sued"
    assert name_key("Café Crème Ltd.") == "cafe creme"


def test_an_eu_vat_number_is_compacted_and_its_check_digit_validated():
    assert tax_id_clean("de 136.695.976") == "DE136695976"
    assert tax_id_clean("EL 094259216") == "EL094259216"
    with pytest.raises(TaxIdError, match="not a valid DE VAT number"):
        tax_id_clean("DE136695977")


def test_a_tax_id_without_prefix_is_checked_by_its_country_and_otherwise_accepted():
    assert tax_id_clean("136695976", "DE") == "136695976"
    with pytest.raises(TaxIdError, match="of DE"):
        tax_id_clean("123", "DE")
    assert tax_id_clean("12-3456789") == "123456789"
    assert tax_id_clean("GB 980780684") == "GB980780684"
    assert tax_id_clean("") == ""


def test_a_candidate_is_matched_by_tax_id_email_and_similar_name_with_the_evidence():
    existing = [
        Record(1, "ALPINE", name="Alpine Sports GmbH", email="info@alpine.de"),
        Record(2, "BERG", name="Bergwelt AG", tax_id="DE136695976"),
        Record(3, "OTHER", name="Zelt und Co"),
    ]
    candidates = [
        Record(None, "row 2", name="ALPINE SPORTS Ltd", email="INFO@alpine.de "),
        Record(None, "row 3", name="Something else", tax_id="de 136 695 976"),
        Record(None, "row 4", name="Alpin Sport"),
        Record(None, "row 5", name="Nothing like it"),
    ]

    found = likely_duplicates(candidates, existing)

    assert [[(m.record.pk, m.evidence) for m in matches] for matches in found] == [
        [(1, ("same e-mail", "same name"))],
        [(2, ("same tax id",))],
        [(1, ("name 92 % similar",))],
        [],
    ]


def test_the_record_a_row_updates_is_not_its_own_duplicate():
    existing = [Record(1, "ALPINE", name="Alpine", email="a@alpine.de")]

    assert likely_duplicates([Record(1, "row", name="Alpine", email="a@alpine.de")], existing) == [
        []
    ]


def test_a_similar_person_is_a_duplicate_only_at_the_same_postcode():
    existing = [Record(1, "Jürgen Meier", name="Jürgen Meier", postcode="10115")]
    candidates = [
        Record(None, "a", name="Juergen Meier", postcode="10 115"),
        Record(None, "b", name="Juergen Meier", postcode="80331"),
    ]

    found = likely_duplicates(candidates, existing, people=True)

    assert [[m.evidence for m in matches] for matches in found] == [
        [("same postcode, same name",)],
        [],
    ]


@pytest.mark.django_db
def test_supplier_pairs_in_the_database_come_with_their_evidence():
    first = SupplierFactory(code="ALP", name="Alpine Sports GmbH", tax_id="DE136695976")
    second = SupplierFactory(code="ALP2", name="Alpine Sports AG", tax_id="")
    third = SupplierFactory(code="ZZZ", name="Zeltmacher", tax_id="de136695976")

    pairs = supplier_duplicate_pairs()

    assert [(p.first.pk, p.second.pk, p.evidence) for p in pairs] == [
        (first.pk, second.pk, ("same name",)),
        (first.pk, third.pk, ("same tax id",)),
    ]
    assert pairs[0].kind == "supplier"


@pytest.mark.django_db
def test_company_pairs_find_the_same_email_whatever_its_case():
    first = CompanyFactory(name="Bergwelt GmbH", email="Accounts@Bergwelt.example")
    second = CompanyFactory(name="Nordlicht AG", email="accounts@bergwelt.example")

    pairs = company_duplicate_pairs()

    assert [(p.first.pk, p.second.pk, p.evidence) for p in pairs] == [
        (first.pk, second.pk, ("same e-mail",))
    ]


@pytest.mark.django_db
def test_customer_pairs_are_consumers_at_one_postcode_not_staff_or_buyers():
    germany = Country.objects.get_or_create(
        iso_3166_1_a2="DE", defaults={"name": "Germany", "printable_name": "Germany"}
    )[0]
    first = UserFactory(username="a", first_name="Jürgen", last_name="Meier", email="j@x.example")
    second = UserFactory(
        username="b", first_name="Juergen", last_name="Meier", email="other@x.example"
    )
    staff = StaffFactory(username="c", first_name="Jürgen", last_name="Meier")
    buyer = UserFactory(username="d", first_name="Jürgen", last_name="Meier")
    Buyer.objects.create(user=buyer, company=CompanyFactory())
    for user in (first, second, staff, buyer):
        UserAddress.objects.create(
            user=user,
            first_name=user.first_name,
            last_name=user.last_name,
            line1="Hauptstr. 1",
            postcode="10115",
            line4="Berlin",
            country=germany,
        )

    pairs = customer_duplicate_pairs()

    assert [(p.first.pk, p.second.pk, p.evidence) for p in pairs] == [
        (first.pk, second.pk, ("same postcode, same name",))
    ]
