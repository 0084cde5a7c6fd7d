import datetime

import pytest
from django.utils import timezone

from data_exchange.tests.kind_helpers import counts, export_text, problems, product_with_sku, run
from erp.permissions import PermissionRefused
from planning.models import DemandHistory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

HEADER = "DATE,sku,Quantity,channel\n"


def state() -> list[tuple]:
    return list(
        DemandHistory.objects.order_by("date", "product_id", "channel").values_list(
            "date", "product__stockrecords__partner_sku", "quantity", "channel", "source"
        )
    )


@pytest.fixture
def products():
    product_with_sku("TENT-1")
    product_with_sku("TENT-2")


def test_a_clean_file_stores_the_days_as_imported_demand(products):
    result = run(
        "sales_history",
        HEADER + "2025-01-02,tent 1,3,web\n2025-01-02,TENT-1,1,B2B\n2025-01-03,TENT-2,0,\n",
    )

    assert result.applied and counts(result) == {"create": 3}
    assert state() == [
        (datetime.date(2025, 1, 2), "TENT-1", 1, "b2b", "import"),
        (datetime.date(2025, 1, 2), "TENT-1", 3, "web", "import"),
        (datetime.date(2025, 1, 3), "TENT-2", 0, "", "import"),
    ]


def test_reimporting_is_idempotent_and_a_changed_quantity_replaces_the_days_figure(products):
    run("sales_history", HEADER + "2025-01-02,TENT-1,3,web\n2025-01-03,TENT-1,4,web\n")

    again = run("sales_history", HEADER + "2025-01-02,TENT-1,3,web\n2025-01-03,TENT-1,4,web\n")
    changed = run("sales_history", HEADER + "2025-01-02,TENT-1,5,web\n")

    assert counts(again) == {"unchanged": 2}
    assert counts(changed) == {"update": 1}
    assert [(row[0].day, row[2]) for row in state()] == [(2, 5), (3, 4)]


def test_a_messy_file_reports_every_problem_and_changes_nothing(products):
    run("sales_history", HEADER + "2025-01-02,TENT-1,3,web\n")
    before = state()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    result = run(
        "sales_history",
        HEADER
        + "02.01.2025,TENT-1,3,web\n"  # 2
        + "2025-01-04,TENT-1,-2,web\n"  # 3
        + "2025-01-04,GHOST,2,\n"  # 4
        + "2025-01-05,TENT-1,2,fax\n"  # 5
        + f"{tomorrow.isoformat()},TENT-1,1,web\n"  # 6
        + "2025-01-06,TENT-2,1.5,web\n"  # 7
        + "2025-01-07,TENT-2,1,web\n"  # 8
        + "2025-01-07,tent-2,2,WEB\n",  # 9: same day, product and channel as row 8
    )

    assert problems(result) == [
        (2, "date", "“02.01.2025” is not a date in the form YYYY-MM-DD."),
        (3, "quantity", "A quantity cannot be negative (“-2”)."),
        (4, "sku", "No product has the SKU GHOST; import the products first."),
        (
            5,
            "channel",
            "“fax” is not a sales channel; write one of web, api, staff, b2b, import or leave "
            "it empty.",
        ),
        (6, "date", f"{tomorrow.isoformat()} is in the future."),
        (7, "quantity", "“1.5” is not a whole number of units."),
        (
            9,
            "date",
            "TENT-2 / 2025-01-07 / web is already on row 8; each appears once per file.",
        ),
    ]
    assert state() == before


def test_a_dry_run_writes_nothing(products):
    assert counts(run("sales_history", HEADER + "2025-01-02,TENT-1,3,\n", dry_run=True)) == {
        "create": 1
    }
    assert state() == []


def test_export_writes_the_imported_history_and_imports_back_unchanged(products):
    run("sales_history", HEADER + "2025-01-02,TENT-1,3,web\n2025-01-03,TENT-2,4,\n")
    DemandHistory.objects.create(
        product=DemandHistory.objects.first().product,
        date=datetime.date(2025, 1, 2),
        quantity=9,
        channel="web",
        source=DemandHistory.Source.ORDER,
    )

    exported = export_text("sales_history")

    assert exported.splitlines() == [
        "date,sku,quantity,channel",
        "2025-01-02,TENT-1,3,web",
        "2025-01-03,TENT-2,4,",
    ]
    assert counts(run("sales_history", exported)) == {"unchanged": 2}


def test_sales_history_needs_the_planning_permission(products):
    with pytest.raises(PermissionRefused):
        run("sales_history", HEADER + "2025-01-02,TENT-1,3,\n", user=StaffFactory(role="Sales"))
    for role in ("Purchasing", "Manager"):
        user = StaffFactory(username=role.lower(), role=role)
        assert run("sales_history", HEADER + "2025-01-02,TENT-1,3,\n", user=user).counts
