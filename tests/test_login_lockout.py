"""Failed logins lock the account and the address (erp.logins.lockout, django-axes)
on every login: the storefront's, the checkout's, the admin's and the API token
login; people get a page saying how long to wait, managers can unlock."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from erp.roles import ROLES
from tests.factories import ProductFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's
LIMIT = 5  # settings.AXES_FAILURE_LIMIT (LOGIN_FAILURE_LIMIT)
MESSAGE = "Too many failed attempts; try again in 15 minutes or reset your password."
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _quick_hashes_and_fresh_counts(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches["shared"].clear()
    yield
    caches["shared"].clear()


@pytest.fixture
def erika():
    return UserFactory(username="erika", email="erika@example.com")


def storefront_login(client: Client, email: str, password: str, **extra):
    return client.post(
        "/accounts/login/",
        {"login-username": email, "login-password": password, "login_submit": "1"},
        **extra,
    )


def admin_login(client: Client, username: str, password: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )


def api_login(client: APIClient, username: str, password: str):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_settings_lock_after_five_failures_for_fifteen_minutes_per_account_and_address():
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert settings.AXES_COOLOFF_TIME * 60 == 15
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AUTHENTICATION_BACKENDS[0] == "erp.logins.lockout.LockoutBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_after_the_failure_limit_the_right_password_is_refused_on_the_storefront(erika):
    client = Client()
    for _ in range(LIMIT - 1):
        wrong = storefront_login(client, "erika@example.com", "guess")
        assert wrong.status_code == 200  # the form again, with its error
    last_guess = storefront_login(client, "erika@example.com", "guess")

    right = storefront_login(client, "erika@example.com", PASSWORD)

    for response in (last_guess, right):
        assert response.status_code == 429
        assert "oscar/customer/login_locked_out.html" in template_names(response)
        body = response.content.decode()
        assert MESSAGE in body
        assert 'href="/password-reset/"' in body
        assert response["Retry-After"] == "900"
    assert not is_logged_in(client)


def test_the_admin_login_is_locked_with_the_same_message_on_an_admin_page():
    StaffFactory(username="mia", email="mia@example.com", role="Manager")
    client = Client()
    for _ in range(LIMIT):
        admin_login(client, "mia", "guess")

    response = admin_login(client, "mia", PASSWORD)

    assert response.status_code == 429
    assert "admin/login_locked_out.html" in template_names(response)
    body = response.content.decode()
    assert MESSAGE in body
    assert "Kontor back office" in body
    assert not is_logged_in(client)


def test_the_api_token_login_is_locked_with_a_429_in_the_error_shape(erika):
    api = APIClient()
    for _ in range(LIMIT - 1):
        assert api_login(api, "erika", "guess").status_code == 400

    last_guess = api_login(api, "erika", "guess")
    right = api_login(api, "erika", PASSWORD)

    for response in (last_guess, right):
        assert response.status_code == 429
        assert response.json() == {"code": "locked_out", "detail": MESSAGE, "fields": {}}
        assert response["Retry-After"] == "900"
    assert not Token.objects.filter(user=erika).exists()


def test_the_checkout_sign_in_is_locked_too(erika):
    client = Client()
    product = ProductFactory(stock=5)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    for _ in range(LIMIT):
        client.post(
            "/checkout/", {"username": "erika@example.com", "password": "x", "options": "existing"}
        )

    response = client.post(
        "/checkout/", {"username": "erika@example.com", "password": PASSWORD, "options": "existing"}
    )

    assert response.status_code == 429
    assert MESSAGE in response.content.decode()
    assert not is_logged_in(client)


def test_an_account_is_locked_from_every_address_once_guessed_at_from_several(erika):
    for number in range(LIMIT):  # a botnet: one guess per address
        storefront_login(Client(REMOTE_ADDR=f"198.51.100.{number}"), "erika@example.com", "x")

    response = storefront_login(Client(REMOTE_ADDR="203.0.113.7"), "erika@example.com", PASSWORD)

    assert response.status_code == 429


def test_an_address_guessing_at_many_accounts_is_locked_for_every_account():
    UserFactory(username="fritz", email="fritz@example.com")
    guesser = Client(REMOTE_ADDR="198.51.100.1")
    for number in range(LIMIT):
        storefront_login(guesser, f"someone{number}@example.com", "x")

    from_the_guesser = storefront_login(guesser, "fritz@example.com", PASSWORD)
    from_elsewhere = storefront_login(
        Client(REMOTE_ADDR="203.0.113.7"), "fritz@example.com", PASSWORD
    )

    assert from_the_guesser.status_code == 429
    assert from_elsewhere.status_code == 302


def test_the_email_and_the_username_count_as_one_account_across_every_login(erika):
    storefront_login(Client(REMOTE_ADDR="198.51.100.1"), "ERIKA@example.com", "x")
    storefront_login(Client(REMOTE_ADDR="198.51.100.2"), "erika@example.com", "x")
    admin_login(Client(REMOTE_ADDR="198.51.100.3"), "erika", "x")
    api_login(APIClient(REMOTE_ADDR="198.51.100.4"), "erika", "x")
    api_login(APIClient(REMOTE_ADDR="198.51.100.5"), "erika@example.com", "x")

    response = api_login(APIClient(REMOTE_ADDR="203.0.113.7"), "erika", PASSWORD)

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"erika"}


def test_a_good_login_forgets_the_own_typos_from_that_address(erika):
    client = Client()
    for _ in range(LIMIT - 1):
        storefront_login(client, "erika@example.com", "typo")
    assert storefront_login(client, "erika@example.com", PASSWORD).status_code == 302
    client.logout()

    for _ in range(LIMIT - 1):
        storefront_login(client, "erika@example.com", "typo again")

    assert storefront_login(client, "erika@example.com", PASSWORD).status_code == 302


def test_a_good_api_login_forgets_the_own_typos_from_that_address(erika):
    api = APIClient()
    for _ in range(LIMIT - 1):
        api_login(api, "erika", "typo")
    assert api_login(api, "erika", PASSWORD).status_code == 200

    for _ in range(LIMIT - 1):
        assert api_login(api, "erika", "typo again").status_code == 400

    assert api_login(api, "erika", PASSWORD).status_code == 200


def test_logging_into_an_own_account_does_not_clear_the_guesses_at_another(erika):
    UserFactory(username="mallory", email="mallory@example.com")
    mallory = Client(REMOTE_ADDR="198.51.100.1")
    for _ in range(LIMIT - 1):
        storefront_login(mallory, "erika@example.com", "guess")
    assert storefront_login(mallory, "mallory@example.com", PASSWORD).status_code == 302
    mallory.logout()

    storefront_login(mallory, "erika@example.com", "one more guess")
    erika_elsewhere = storefront_login(
        Client(REMOTE_ADDR="203.0.113.7"), "erika@example.com", PASSWORD
    )

    assert erika_elsewhere.status_code == 429


def test_the_lockout_ends_after_the_cool_off(erika):
    client = Client()
    for _ in range(LIMIT):
        storefront_login(client, "erika@example.com", "guess")
    assert storefront_login(client, "erika@example.com", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert storefront_login(client, "erika@example.com", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_passwords_are_never_written_into_the_attempt_log(erika):
    storefront_login(Client(), "erika@example.com", "my-secret-guess")
    admin_login(Client(), "erika", "another-secret-guess")

    logged = "".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "secret-guess" not in logged
    assert "login-password=********************" in logged
    assert "\npassword=********************" in logged


def test_registration_still_signs_the_new_customer_in():
    client = Client()

    response = client.post(
        "/accounts/login/",
        {
            "registration-email": "new@example.com",
            "registration-password1": "a-long-new-password",
            "registration-password2": "a-long-new-password",
            "registration_submit": "1",
        },
    )

    assert response.status_code == 302
    assert is_logged_in(client)


def test_successful_logins_are_logged_for_managers_to_see(erika):
    storefront_login(Client(REMOTE_ADDR="203.0.113.7"), "erika@example.com", PASSWORD)

    assert list(AccessLog.objects.values_list("username", "ip_address")) == [
        ("erika", "203.0.113.7")
    ]


def lock_out(username_or_email: str, address: str) -> None:
    client = Client(REMOTE_ADDR=address)
    for _ in range(LIMIT):
        storefront_login(client, username_or_email, "guess")


def manager_client() -> Client:
    client = Client()
    client.force_login(StaffFactory(username="mia", role="Manager"))
    return client


def test_a_manager_sees_the_lockouts_and_unlocks_an_account(erika):
    lock_out("erika@example.com", "198.51.100.1")
    lock_out("erika@example.com", "198.51.100.2")
    manager = manager_client()
    listing = manager.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "erika" in listing.content.decode()
    one_row = AccessAttempt.objects.filter(ip_address="198.51.100.1").values_list("pk", flat=True)

    response = manager.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock_accounts", "_selected_action": list(one_row)},
        follow=True,
    )

    assert "Unlocked 1 account(s): erika." in response.content.decode()
    assert AccessAttempt.objects.count() == 0
    assert storefront_login(Client(), "erika@example.com", PASSWORD).status_code == 302


def test_a_manager_unlocks_an_address_and_its_other_attempts_stay(erika):
    fritz = UserFactory(username="fritz", email="fritz@example.com")
    lock_out("nobody@example.com", "198.51.100.1")
    storefront_login(Client(REMOTE_ADDR="198.51.100.2"), "erika@example.com", "guess")
    row = AccessAttempt.objects.filter(ip_address="198.51.100.1").values_list("pk", flat=True)

    manager_client().post(
        "/admin/axes/accessattempt/",
        {"action": "unlock_addresses", "_selected_action": list(row)},
    )

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.2"]
    unlocked = storefront_login(Client(REMOTE_ADDR="198.51.100.1"), fritz.email, PASSWORD)
    assert unlocked.status_code == 302


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"Manager"}))
def test_no_other_role_sees_or_unlocks_lockouts(erika, role):
    lock_out("erika@example.com", "198.51.100.1")
    client = Client()
    client.force_login(StaffFactory(username=role.lower(), role=role))
    row = AccessAttempt.objects.values_list("pk", flat=True)

    assert client.get("/admin/axes/accessattempt/").status_code == 403
    assert client.get("/admin/axes/accesslog/").status_code == 403
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock_accounts", "_selected_action": list(row)},
    )
    assert response.status_code == 403
    assert AccessAttempt.objects.count() == 1


def test_managers_may_view_and_unlock_but_never_edit_attempts_or_logs(erika):
    lock_out("erika@example.com", "198.51.100.1")
    storefront_login(Client(), "erika@example.com", "guess")  # a second row, not locked
    manager = manager_client()
    attempt = AccessAttempt.objects.first()
    assert attempt is not None

    assert manager.get("/admin/axes/accesslog/").status_code == 200
    assert manager.get("/admin/axes/accessattempt/add/").status_code == 403
    page = manager.get(f"/admin/axes/accessattempt/{attempt.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    actions = manager.get("/admin/axes/accessattempt/").context["action_form"]
    assert [value for value, _ in actions.fields["action"].choices if value] == [
        "unlock_accounts",
        "unlock_addresses",
    ]


def test_the_login_log_forgets_logins_older_than_the_retention_period(erika, settings):
    from erp.logins.tasks import login_logs_prune

    settings.LOGIN_LOG_RETENTION_DAYS = 90
    storefront_login(Client(REMOTE_ADDR="203.0.113.7"), "erika@example.com", PASSWORD)
    storefront_login(Client(REMOTE_ADDR="203.0.113.8"), "erika@example.com", PASSWORD)
    old = AccessLog.objects.get(ip_address="203.0.113.7")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - timedelta(days=91))

    assert login_logs_prune() == 1

    assert list(AccessLog.objects.values_list("ip_address", flat=True)) == ["203.0.113.8"]
