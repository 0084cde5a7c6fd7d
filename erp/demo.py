"""Demo logins: a superuser, one staff user per role (see erp.roles), a customer
and two B2B buyers (their companies are seeded by ``shop.demo.b2b``).

Demo-only passwords, printed by ``make run`` and listed in the README. They
are created only when DEBUG is on or when asked for explicitly.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group


@dataclass(frozen=True)
class DemoLogin:
    username: str
    email: str
    password: str
    first_name: str
    last_name: str
    role: str | None  # None: customer; "superuser": full access
    what: str


DEMO_LOGINS = [
    DemoLogin("admin", "admin@example.com", "admin", "Ada", "Admin", "superuser", "superuser"),
    DemoLogin(
        "manager",
        "manager@example.com",
        "manager-demo",
        "Mia",
        "Manager",
        "Manager",
        "staff: Manager",
    ),
    DemoLogin(
        "warehouse",
        "warehouse@example.com",
        "warehouse-demo",
        "Wes",
        "Ware",
        "Warehouse",
        "staff: Warehouse",
    ),
    DemoLogin("sales", "sales@example.com", "sales-demo", "Sam", "Seller", "Sales", "staff: Sales"),
    DemoLogin(
        "accountant",
        "accountant@example.com",
        "accountant-demo",
        "Alex",
        "Ledger",
        "Accounting",
        "staff: Accounting",
    ),
    DemoLogin(
        "purchasing",
        "purchasing@example.com",
        "purchasing-demo",
        "Pat",
        "Procure",
        "Purchasing",
        "staff: Purchasing",
    ),
    DemoLogin("hr", "hr@example.com", "hr-demo", "Harper", "People", "HR", "staff: HR"),
    DemoLogin(
        "customer@example.com",
        "customer@example.com",
        "customer",
        "Chris",
        "Customer",
        None,
        "storefront customer",
    ),
    DemoLogin(
        "buyer@alpine.example",
        "buyer@alpine.example",
        "buyer-demo",
        "Anna",
        "Alpin",
        None,
        "B2B buyer: Alpine Outfitters (Net 30, trade prices)",
    ),
    DemoLogin(
        "buyer@nordwerk.example",
        "buyer@nordwerk.example",
        "buyer-demo",
        "Nils",
        "Nord",
        None,
        "B2B buyer: Nordwerk Schulbedarf (Net 15, close to its credit limit)",
    ),
]


def seed_users() -> list[DemoLogin]:
    User = get_user_model()
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User(username=login.username, email=login.email)
            user.set_password(login.password)
        user.first_name, user.last_name = login.first_name, login.last_name
        user.is_superuser = login.role == "superuser"
        user.is_staff = login.role is not None
        user.save()
        if login.role not in (None, "superuser"):
            user.groups.set([Group.objects.get(name=login.role)])
    return DEMO_LOGINS
