import pytest

from data_exchange.resources import export_bytes
from data_exchange.services import import_file
from data_exchange.tests.kind_helpers import counts, export_text, problems, run
from erp.permissions import SYSTEM, PermissionRefused
from purchasing.models import Supplier
from purchasing.tests.factories import SupplierFactory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

HEADER = "Code,Name,EMAIL,currency,payment_terms_days,lead_time_days,tax_id\n"


def state() -> list[tuple]:
    return list(
        Supplier.objects.order_by("code").values_list(
            "code", "name", "email", "currency", "payment_terms_days", "lead_time_days", "tax_id"
        )
    )


def test_a_clean_file_creates_the_suppliers_it_lists():
    result = run(
        "suppliers",
        HEADER
        + "alpine,Alpine Sports GmbH,orders@alpine.example,EUR,45,10,DE 136 695 976\n"
        + "NORD,Nordlicht AB,po@nord.example,,,,\n",
    )

    assert result.applied and counts(result) == {"create": 2}
    assert state() == [
        ("ALPINE", "Alpine Sports GmbH", "orders@alpine.example", "EUR", 45, 10, "DE136695976"),
        ("NORD", "Nordlicht AB", "po@nord.example", "EUR", 30, 14, ""),
    ]


def test_a_row_with_a_known_code_updates_that_supplier_and_an_email_case_change_is_unchanged():
    SupplierFactory(code="ALPINE", name="Alpine", email="orders@alpine.example", tax_id="")

    same = run("suppliers", HEADER + "ALPINE,Alpine,ORDERS@Alpine.example,EUR,30,14,\n")
    changed = run("suppliers", HEADER + "ALPINE,Alpine AG,orders@alpine.example,EUR,60,14,\n")

    assert counts(same) == {"unchanged": 1}
    assert counts(changed) == {"update": 1} and changed.applied
    assert state() == [("ALPINE", "Alpine AG", "orders@alpine.example", "EUR", 60, 14, "")]


def test_a_messy_file_reports_every_problem_and_changes_nothing():
    SupplierFactory(
        code="OLD",
        name="Bergwelt Outdoor GmbH",
        email="Info@Bergwelt.example",
        tax_id="DE136695976",
    )
    before = state()

    result = run(
        "suppliers",
        HEADER
        + "A1,Alpha,not-an-email,EUR,30,14,\n"  # 2
        + "A2,Beta,b@x.example,EURO,-3,1o,DE136695977\n"  # 3
        + "A1,Alpha again,a@x.example,,,,\n"  # 4
        + "NEW,Bergwelt Outdoor AG,new@x.example,,,,\n"  # 5: similar name
        + "NEW2,Someone,INFO@bergwelt.example,,,,\n"  # 6: same e-mail
        + "NEW3,Other,o@x.example,,,,de 136695976\n"  # 7: same tax id as OLD
        + "OLD,Bergwelt Outdoor GmbH,info@bergwelt.example,USD,,,\n"  # 8: currency stays
        + "NEW4,Zeltwerk,z@x.example,,,,\n"  # 9
        + "NEW5,Zeltwerk GmbH,z2@x.example,,,,\n"  # 10: like row 9
        + "A/B,,,,,,\n",  # 11
    )

    assert not result.applied
    assert problems(result) == [
        (2, "email", "“not-an-email” is not an e-mail address."),
        (3, "currency", "“EURO” is not a three-letter currency code such as EUR."),
        (3, "lead_time_days", "“1o” is not a whole number of days (0 or more)."),
        (3, "payment_terms_days", "“-3” is not a whole number of days (0 or more)."),
        (3, "tax_id", "“DE136695977” is not a valid DE VAT number (check the digits)."),
        (4, "code", "A1 is already on row 2; each appears once per file."),
        (
            5,
            "name",
            "Looks like the existing supplier OLD - Bergwelt Outdoor GmbH (same name). "
            "Update that supplier instead (use its key), or fix the row if it is another one.",
        ),
        (
            6,
            "email",
            "Looks like the existing supplier OLD - Bergwelt Outdoor GmbH (same e-mail). "
            "Update that supplier instead (use its key), or fix the row if it is another one.",
        ),
        (
            7,
            "tax_id",
            "Looks like the existing supplier OLD - Bergwelt Outdoor GmbH (same tax id). "
            "Update that supplier instead (use its key), or fix the row if it is another one.",
        ),
        (
            8,
            "currency",
            "OLD buys in EUR; a supplier's currency stays (its orders and bills are in it). "
            "Create a new supplier for another one.",
        ),
        (
            10,
            "name",
            "Looks like the new supplier on row 9 (same name) of this file. "
            "Each supplier appears once per file.",
        ),
        (11, "code", "A supplier code has letters, digits, - or _ only."),
        (11, "email", "This value is required."),
        (11, "name", "This value is required."),
    ]
    assert state() == before


def test_a_dry_run_writes_nothing():
    result = run("suppliers", HEADER + "NEW,New Supplier,n@x.example,,,,\n", dry_run=True)

    assert counts(result) == {"create": 1} and not result.applied
    assert state() == []


def test_a_missing_required_column_is_named():
    result = run("suppliers", "code,name\nA,Alpha\n")

    assert problems(result) == [(1, "email", "The required column “email” is missing.")]


def test_export_then_import_is_all_unchanged_and_reimport_is_idempotent():
    SupplierFactory(code="ALPINE", name="Alpine", email="a@alpine.example", tax_id="DE136695976")
    SupplierFactory(code="NORD", name="Nordlicht", email="n@nord.example", tax_id="")
    exported = export_text("suppliers")

    result = run("suppliers", exported)

    assert exported.splitlines()[0] == (
        "code,name,email,currency,payment_terms_days,lead_time_days,tax_id"
    )
    assert counts(result) == {"unchanged": 2}


def test_a_role_without_supplier_permissions_is_refused():
    sales = StaffFactory(username="sales", role="Sales")
    purchasing = StaffFactory(username="buyer", role="Purchasing")

    with pytest.raises(PermissionRefused):
        run("suppliers", HEADER + "NEW,New,n@x.example,,,,\n", user=sales)
    assert run("suppliers", HEADER + "NEW,New,n@x.example,,,,\n", user=purchasing).applied


def test_an_xlsx_export_imports_back_unchanged():
    SupplierFactory(code="ALPINE", name="Alpine", email="a@alpine.example", tax_id="DE136695976")

    result = import_file(
        kind="suppliers",
        content=export_bytes("suppliers", "xlsx"),
        filename="suppliers.xlsx",
        user=SYSTEM,
        dry_run=False,
    )

    assert counts(result) == {"unchanged": 1}
