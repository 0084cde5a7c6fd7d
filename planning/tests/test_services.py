import datetime

import pytest

from erp.permissions import SYSTEM, PermissionRefused
from planning.models import DemandHistory
from planning.services import DemandRecord, PlanningError, demand_history_import
from tests.factories import ProductFactory, StaffFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 1)


def test_importing_the_same_records_twice_keeps_one_row_each_with_the_last_quantity():
    product = ProductFactory()

    demand_history_import(user=SYSTEM, records=[DemandRecord(product.pk, DAY, 3, "web")])
    demand_history_import(user=SYSTEM, records=[DemandRecord(product.pk, DAY, 5, "web")])

    assert list(DemandHistory.objects.values_list("quantity", "channel", "source")) == [
        (5, "web", "import")
    ]


def test_an_unknown_channel_or_a_negative_quantity_is_refused():
    product = ProductFactory()

    with pytest.raises(PlanningError):
        demand_history_import(user=SYSTEM, records=[DemandRecord(product.pk, DAY, 1, "fax")])
    with pytest.raises(PlanningError):
        demand_history_import(user=SYSTEM, records=[DemandRecord(product.pk, DAY, -1)])
    assert not DemandHistory.objects.exists()


def test_only_roles_with_the_planning_permission_import_demand():
    product = ProductFactory()
    records = [DemandRecord(product.pk, DAY, 1)]

    with pytest.raises(PermissionRefused):
        demand_history_import(user=StaffFactory(role="Warehouse"), records=records)
    assert (
        demand_history_import(user=StaffFactory(username="p", role="Purchasing"), records=records)
        == 1
    )
