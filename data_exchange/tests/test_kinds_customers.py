import pytest
from django.contrib.auth import get_user_model
from oscar.core.loading import get_model

from data_exchange.tests.kind_helpers import counts, export_text, problems, run
from erp.permissions import PermissionRefused
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
Country = get_model("address", "Country")
UserAddress = get_model("address", "UserAddress")

HEADER = "Email,first_name,last_name,phone,line1,line2,postcode,city,country\n"


@pytest.fixture(autouse=True)
def countries():
    for code, name in (("DE", "Germany"), ("AT", "Austria")):
        Country.objects.get_or_create(
            iso_3166_1_a2=code, defaults={"name": name, "printable_name": name}
        )


def accounts() -> list[tuple]:
    return list(
        User.objects.filter(is_staff=False)
        .order_by("email")
        .values_list(
            "email",
            "first_name",
            "last_name",
            "addresses__line1",
            "addresses__postcode",
            "addresses__line4",
            "addresses__country",
            "addresses__phone_number",
        )
    )


def test_a_clean_file_creates_accounts_without_a_usable_password_and_their_address():
    result = run(
        "customers",
        HEADER
        + "Jana@Example.com,Jana,Roth,030 1234567,Hauptstr. 1,,10115,Berlin,de\n"
        + "tom@example.com,Tom,Hill,,,,,,\n",
    )

    assert result.applied and counts(result) == {"create": 2}
    assert accounts() == [
        (
            "Jana@Example.com",
            "Jana",
            "Roth",
            "Hauptstr. 1",
            "10115",
            "Berlin",
            "DE",
            "+49301234567",
        ),
        ("tom@example.com", "Tom", "Hill", None, None, None, None, None),
    ]
    assert not any(user.has_usable_password() for user in User.objects.all())


def test_the_email_is_the_key_whatever_its_case():
    UserFactory(username="jana", email="jana@example.com", first_name="Jana", last_name="Roth")

    same = run("customers", "email,first_name,last_name\nJANA@example.com,Jana,Roth\n")
    renamed = run("customers", "email,first_name,last_name\njana@EXAMPLE.com,Jana,Roth-Berg\n")

    assert counts(same) == {"unchanged": 1}
    assert counts(renamed) == {"update": 1}
    assert accounts() == [("jana@example.com", "Jana", "Roth-Berg", None, None, None, None, None)]


def test_a_messy_file_reports_every_problem_and_changes_nothing():
    jurgen = UserFactory(
        username="j", email="j@example.com", first_name="Jürgen", last_name="Meier"
    )
    UserAddress.objects.create(
        user=jurgen,
        first_name="Jürgen",
        last_name="Meier",
        line1="Weg 1",
        postcode="10115",
        line4="Berlin",
        country=Country.objects.get(pk="DE"),
    )
    StaffFactory(username="staff", email="staff@example.com")
    UserFactory(username="a1", email="twice@example.com")
    UserFactory(username="a2", email="TWICE@example.com")
    before = accounts()

    result = run(
        "customers",
        HEADER
        + "not-an-email,A,B,,,,,,\n"  # 2
        + "new@example.com,Juergen,Meier,,Other 2,,10115,Berlin,DE\n"  # 3: like Jürgen Meier
        + "staff@example.com,S,T,,,,,,\n"  # 4
        + "twice@example.com,T,W,,,,,,\n"  # 5
        + "x@example.com,X,Y,12,Street 1,,,Berlin,XX\n"  # 6
        + "X@Example.com,X,Y,,,,,,\n",  # 7: same e-mail as row 6
    )

    assert problems(result) == [
        (2, "email", "“not-an-email” is not an e-mail address."),
        (
            3,
            "last_name",
            "Looks like the existing customer Jürgen Meier <j@example.com> (same postcode, same "
            "name). Update that customer instead (use its key), or fix the row if it is another "
            "one.",
        ),
        (
            4,
            "email",
            "staff@example.com belongs to a staff account; customers are imported into customer "
            "accounts only.",
        ),
        (5, "email", "2 accounts have the e-mail twice@example.com; merge them first."),
        (6, "country", "There is no country XX; write two letters, e.g. DE."),
        (6, "phone", "“12” is not a phone number."),
        (6, "postcode", "An address needs line1, postcode, city and country; this is empty."),
        (
            7,
            "email",
            "x@example.com is already on row 6 (written “x@example.com” there); each appears "
            "once per file.",
        ),
    ]
    assert accounts() == before


def test_a_dry_run_writes_nothing():
    result = run("customers", "email\nnew@example.com\n", dry_run=True)

    assert counts(result) == {"create": 1} and accounts() == []


def test_export_then_import_is_all_unchanged():
    run(
        "customers",
        HEADER
        + "jana@example.com,Jana,Roth,+43 1 5870000,Ring 1,Stiege 2,1010,Wien,AT\n"
        + "tom@example.com,Tom,Hill,,,,,,\n",
    )

    result = run("customers", export_text("customers"))

    assert counts(result) == {"unchanged": 2}


def test_a_role_without_account_permissions_is_refused():
    with pytest.raises(PermissionRefused):
        run("customers", "email\nnew@example.com\n", user=StaffFactory(username="s", role="Sales"))
    assert run(
        "customers", "email\nnew@example.com\n", user=StaffFactory(username="m", role="Manager")
    ).applied
