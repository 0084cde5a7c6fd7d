"""The user admin cannot be used to climb: a Manager creates staff accounts with
the roles below Manager and nothing else; only a superuser touches superusers,
the superuser flag, permissions and other people's passwords."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from rest_framework.test import APIClient

from erp import users
from erp.permissions import PermissionRefused
from tests.factories import StaffFactory, UserFactory

User = get_user_model()
pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def group(name: str) -> Group:
    return Group.objects.get(name=name)


def as_role(client: Client, role: str) -> Client:
    client.force_login(StaffFactory(username=f"the-{role.lower()}", role=role))
    return client


def change_data(user, **overrides) -> dict:
    """The change form's fields, as a browser would send them."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": [g.pk for g in user.groups.all()],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def snapshot(user) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (
        user.username,
        user.email,
        user.first_name,
        user.is_active,
        user.is_staff,
        user.is_superuser,
        user.password,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
    )


@pytest.fixture
def superuser():
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def manager(client):
    user = StaffFactory(username="manager", role="Manager")
    client.force_login(user)
    return user


def test_a_manager_creates_a_staff_user_with_a_role_below_manager(client, manager):
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "wanda",
            "usable_password": "true",
            "password1": "a-long-warehouse-passphrase",
            "password2": "a-long-warehouse-passphrase",
            "first_name": "Wanda",
            "last_name": "Lager",
            "email": "wanda@example.com",
            "groups": [group("Warehouse").pk, group("Sales").pk],
        },
    )

    assert response.status_code == 302, response.content
    wanda = User.objects.get(username="wanda")
    assert (wanda.is_staff, wanda.is_superuser, wanda.email) == (True, False, "wanda@example.com")
    assert sorted(wanda.groups.values_list("name", flat=True)) == ["Sales", "Warehouse"]
    assert wanda.check_password("a-long-warehouse-passphrase")


def test_a_manager_cannot_create_a_superuser_a_manager_or_give_permissions(client, manager):
    new_user = {
        "username": "mallory",
        "usable_password": "true",
        "password1": "a-long-mallory-passphrase",
        "password2": "a-long-mallory-passphrase",
    }
    any_permission = Permission.objects.get(codename="delete_user")

    as_manager = client.post("/admin/auth/user/add/", {**new_user, "groups": [group("Manager").pk]})
    crafted = client.post(
        "/admin/auth/user/add/",
        {
            **new_user,
            "is_superuser": "on",
            "user_permissions": [any_permission.pk],
            "groups": [group("Warehouse").pk],
        },
    )

    assert as_manager.status_code == 200
    assert "Select a valid choice" in as_manager.content.decode()
    assert crafted.status_code == 302
    mallory = User.objects.get(username="mallory")
    assert (mallory.is_superuser, mallory.is_staff) == (False, True)
    assert list(mallory.user_permissions.all()) == []
    assert list(mallory.groups.values_list("name", flat=True)) == ["Warehouse"]


def test_the_add_and_change_forms_offer_a_manager_only_the_roles_below_manager(client, manager):
    clerk = StaffFactory(username="clerk", role="Warehouse")

    add_form = client.get("/admin/auth/user/add/").context["adminform"].form
    change_form = client.get(f"/admin/auth/user/{clerk.pk}/change/").context["adminform"].form

    for form in (add_form, change_form):
        assert sorted(form.fields["groups"].queryset.values_list("name", flat=True)) == [
            "Accounting",
            "HR",
            "Purchasing",
            "Sales",
            "Warehouse",
        ]
        assert "is_superuser" not in form.fields
        assert "user_permissions" not in form.fields
    assert "password" not in change_form.fields


def test_a_manager_changes_a_staff_users_roles_but_a_crafted_post_escalates_nothing(
    client, manager
):
    clerk = StaffFactory(username="clerk", role="Warehouse")
    any_permission = Permission.objects.get(codename="delete_user")
    url = f"/admin/auth/user/{clerk.pk}/change/"

    to_manager = client.post(url, change_data(clerk, groups=[group("Manager").pk]))
    unchanged = snapshot(clerk)
    crafted = client.post(
        url,
        change_data(
            clerk,
            email="clerk@shop.example",
            groups=[group("Sales").pk],
            is_superuser="on",
            is_staff="",
            user_permissions=[any_permission.pk],
            password="pbkdf2_sha256$1$salt$forged",
        ),
    )

    assert to_manager.status_code == 200
    assert "Select a valid choice" in to_manager.content.decode()
    assert unchanged[-2] == ["Warehouse"]
    assert crafted.status_code == 302
    clerk.refresh_from_db()
    assert (clerk.email, clerk.is_superuser, clerk.is_staff) == (unchanged[1], False, True)
    assert list(clerk.groups.values_list("name", flat=True)) == ["Sales"]
    assert list(clerk.user_permissions.all()) == []
    assert clerk.check_password(PASSWORD)


def test_a_manager_cannot_redirect_a_staff_users_password_resets_to_another_address(
    client, manager
):
    clerk = StaffFactory(username="clerk", role="Warehouse", email="clerk@shop.example")
    url = f"/admin/auth/user/{clerk.pk}/change/"

    form = client.get(url).content.decode()
    client.post(url, change_data(clerk, email="mallory@example.com", first_name="Renamed"))

    assert 'name="email"' not in form  # shown, not editable
    clerk.refresh_from_db()
    assert (clerk.email, clerk.first_name) == ("clerk@shop.example", "Renamed")
    stored = User.objects.get(pk=clerk.pk)
    stored.email = "mallory@example.com"
    with pytest.raises(PermissionRefused, match="password resets are sent there"):
        users.user_save(actor=manager, user=stored)
    assert User.objects.get(pk=clerk.pk).email == "clerk@shop.example"


def test_a_manager_cannot_edit_a_superuser(client, manager, superuser):
    before = snapshot(superuser)
    url = f"/admin/auth/user/{superuser.pk}/change/"

    page = client.get(url)
    refused = client.post(url, change_data(superuser, email="mallory@example.com", is_active=None))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False  # shown read-only
    assert refused.status_code == 403
    assert snapshot(superuser) == before


def test_a_manager_cannot_edit_or_demote_another_manager_or_themselves(client, manager):
    other = StaffFactory(username="other-manager", role="Manager")
    before = snapshot(other), snapshot(manager)

    demote = client.post(
        f"/admin/auth/user/{other.pk}/change/",
        change_data(other, groups=[group("Warehouse").pk]),
    )
    rename = client.post(
        f"/admin/auth/user/{other.pk}/change/", change_data(other, email="x@example.com")
    )
    self_service = client.post(
        f"/admin/auth/user/{manager.pk}/change/",
        change_data(manager, groups=[group("Manager").pk, group("HR").pk]),
    )

    assert (demote.status_code, rename.status_code, self_service.status_code) == (403, 403, 403)
    assert (snapshot(other), snapshot(manager)) == before


def test_a_manager_cannot_edit_customer_accounts(client, manager):
    customer = UserFactory(username="customer")
    before = snapshot(customer)

    refused = client.post(
        f"/admin/auth/user/{customer.pk}/change/",
        change_data(customer, email="mallory@example.com", groups=[group("Sales").pk]),
    )

    assert refused.status_code == 403
    assert snapshot(customer) == before


def test_only_a_superuser_sets_someone_elses_password(client, manager, superuser):
    clerk = StaffFactory(username="clerk", role="Warehouse")
    new = {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"}
    new["usable_password"] = "true"

    for target in (superuser, clerk):
        page = client.get(f"/admin/auth/user/{target.pk}/password/")
        posted = client.post(f"/admin/auth/user/{target.pk}/password/", new)
        assert (page.status_code, posted.status_code) == (403, 403), target
        target.refresh_from_db()
        assert target.check_password(PASSWORD)

    client.force_login(superuser)
    by_superuser = client.post(f"/admin/auth/user/{clerk.pk}/password/", new)
    assert by_superuser.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("a-new-long-passphrase")


def test_a_manager_cannot_take_over_admin_through_the_api_login(client, manager, superuser):
    client.post(
        f"/admin/auth/user/{superuser.pk}/password/",
        {"usable_password": "true", "password1": "pwned-pwned-1", "password2": "pwned-pwned-1"},
    )
    client.post(
        f"/admin/auth/user/{superuser.pk}/change/",
        change_data(superuser, email="mallory@example.com"),
    )

    api = APIClient()
    with_new = api.post(
        "/api/v1/auth/token/", {"username": "admin", "password": "pwned-pwned-1"}, format="json"
    )
    with_old = api.post(
        "/api/v1/auth/token/", {"username": "admin", "password": PASSWORD}, format="json"
    )

    assert with_new.status_code == 400
    assert with_old.status_code == 200
    superuser.refresh_from_db()
    assert superuser.email == "admin@example.com"


def test_groups_only_a_superuser_hands_out_stay_when_a_manager_changes_roles(client, manager):
    auditors = Group.objects.create(name="External auditors")
    clerk = StaffFactory(username="clerk", role="Warehouse")
    clerk.groups.add(auditors)

    client.post(f"/admin/auth/user/{clerk.pk}/change/", change_data(clerk, groups=[group("HR").pk]))

    assert sorted(clerk.groups.values_list("name", flat=True)) == ["External auditors", "HR"]


def test_hr_and_sales_only_view_user_accounts(client):
    clerk = StaffFactory(username="clerk", role="Warehouse")
    before = snapshot(clerk)

    for role in ("HR", "Sales"):
        as_role(client, role)
        assert client.get("/admin/auth/user/").status_code == 200
        assert client.get(f"/admin/auth/user/{clerk.pk}/change/").status_code == 200
        assert client.get("/admin/auth/user/add/").status_code == 403
        changed = client.post(
            f"/admin/auth/user/{clerk.pk}/change/", change_data(clerk, email="x@example.com")
        )
        assert changed.status_code == 403, role
    assert snapshot(clerk) == before


def test_no_role_can_delete_users_or_manage_groups(client):
    clerk = StaffFactory(username="clerk", role="Warehouse")

    for role in ("Manager", "HR", "Sales", "Accounting", "Warehouse", "Purchasing"):
        as_role(client, role)
        deleted = client.post(f"/admin/auth/user/{clerk.pk}/delete/", {"post": "yes"})
        assert deleted.status_code == 403, role
        assert client.get("/admin/auth/group/").status_code == 403, role
    assert User.objects.filter(pk=clerk.pk).exists()


def test_a_superuser_still_makes_superusers_and_gives_permissions(client, superuser):
    clerk = StaffFactory(username="clerk", role="Warehouse")
    permission = Permission.objects.get(codename="delete_user")
    client.force_login(superuser)
    page = client.get(f"/admin/auth/user/{clerk.pk}/change/")
    form = page.context["adminform"].form
    data = {
        **change_data(clerk, groups=[group("Manager").pk]),
        "is_staff": "on",
        "is_superuser": "on",
        "user_permissions": [permission.pk],
        "date_joined_0": form.initial["date_joined"].strftime("%Y-%m-%d"),
        "date_joined_1": form.initial["date_joined"].strftime("%H:%M:%S"),
    }

    response = client.post(f"/admin/auth/user/{clerk.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert snapshot(clerk)[4:6] == (True, True)
    assert snapshot(clerk)[-2:] == (["Manager"], ["delete_user"])


def test_the_user_service_refuses_a_manager_whatever_the_caller_sets():
    manager = StaffFactory(username="manager", role="Manager")
    clerk = StaffFactory(username="clerk", role="Warehouse")
    before = snapshot(clerk)

    clerk.is_superuser = True
    with pytest.raises(PermissionRefused, match="Only a superuser can make someone a superuser"):
        users.user_save(actor=manager, user=clerk)
    fresh_clerk = User.objects.get(pk=clerk.pk)
    with pytest.raises(PermissionRefused, match="only a superuser can give Manager"):
        users.user_save(actor=manager, user=fresh_clerk, groups=[group("Manager")])
    with pytest.raises(PermissionRefused, match="permissions of their own"):
        users.user_save(
            actor=manager, user=fresh_clerk, user_permissions=Permission.objects.filter(pk__lt=3)
        )
    fresh_clerk.set_password("reset-by-manager-1")
    with pytest.raises(PermissionRefused, match="another person's password"):
        users.user_save(actor=manager, user=fresh_clerk)

    assert snapshot(clerk) == before
