"""Staff roles are least-privilege: each sees only the screens it needs."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from erp.roles import ROLES
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def login(client: Client, role: str) -> Client:
    client.force_login(StaffFactory(username=role.lower(), role=role))
    return client


def test_every_role_group_exists_with_permissions():
    groups = {group.name: group.permissions.count() for group in Group.objects.all()}

    for role in ROLES:
        assert groups[role] > 0, role


def test_no_role_can_manage_groups_or_permissions():
    for role in ROLES:
        codenames = set(
            Permission.objects.filter(group__name=role).values_list("codename", flat=True)
        )
        assert not codenames & {
            "add_group",
            "change_group",
            "add_permission",
            "change_user_permissions",
        }
        assert not {c for c in codenames if c.endswith("_group") or c.endswith("_permission")}


def test_warehouse_user_cannot_open_accounting_screens(client: Client):
    login(client, "Warehouse")

    assert client.get("/admin/accounting/account/").status_code == 403
    assert client.get("/admin/accounting/account/add/").status_code == 403
    index = client.get("/admin/")
    assert b"/admin/accounting/" not in index.content
    assert b"/admin/inventory/" in index.content


def test_warehouse_user_works_with_warehouses(client: Client):
    login(client, "Warehouse")

    assert client.get("/admin/inventory/warehouse/").status_code == 200
    response = client.post(
        "/admin/inventory/warehouse/add/",
        {
            "code": "ber-2",
            "name": "Berlin 2",
            "address": "",
            "is_sellable": "on",
            "priority": "20",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    from inventory.models import Warehouse

    assert Warehouse.objects.get().code == "BER-2"


def test_sales_user_can_see_but_not_change_stock_screens(client: Client):
    from inventory.models import Warehouse

    warehouse = Warehouse.objects.create(code="BER-1", name="Berlin")
    login(client, "Sales")

    assert client.get("/admin/inventory/warehouse/").status_code == 200
    assert client.get("/admin/inventory/warehouse/add/").status_code == 403
    response = client.post(
        f"/admin/inventory/warehouse/{warehouse.pk}/change/",
        {"code": "BER-1", "name": "Renamed", "priority": "1"},
    )
    assert response.status_code == 403
    warehouse.refresh_from_db()
    assert warehouse.name == "Berlin"


def test_accounting_user_opens_the_chart_but_not_people_or_stock(client: Client):
    login(client, "Accounting")

    assert client.get("/admin/accounting/account/").status_code == 200
    assert client.get("/admin/inventory/warehouse/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403


def test_hr_user_sees_staff_but_not_orders_or_accounts(client: Client):
    login(client, "HR")

    assert client.get("/admin/auth/user/").status_code == 200
    assert client.get("/admin/order/order/").status_code == 403
    assert client.get("/admin/accounting/account/").status_code == 403


def test_customer_without_staff_flag_cannot_enter_the_back_office(client: Client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
