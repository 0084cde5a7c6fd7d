"""Password reset and change: reset e-mails are limited per e-mail address and per
client address with one neutral answer, and a new password revokes the API tokens
and the other sessions whatever path set it (erp.logins.passwords)."""

import re
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's
NEW_PASSWORD = "a-brand-new-long-password"
RESET = "/password-reset/"
DONE = "/password-reset/done/"
NEUTRAL = "If an account uses the address you entered, we have e-mailed it a link"
INVOICES = "/api/v1/invoices/"


@pytest.fixture(autouse=True)
def _quick_hashes_and_fresh_counts(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches["shared"].clear()
    yield
    caches["shared"].clear()


@pytest.fixture(autouse=True)
def enqueued(monkeypatch) -> list[tuple[str, list]]:
    """The broker: what the requests enqueued, each run at once as the worker would."""
    from erp.services import broker

    messages: list[tuple[str, list]] = []

    def run_as_the_worker(*, task, args=(), countdown=None) -> bool:
        messages.append((task.name, list(args)))
        task(*args)
        return True

    monkeypatch.setattr(broker, "task_enqueue", run_as_the_worker)
    return messages


@pytest.fixture
def erika():
    return UserFactory(username="erika", email="erika@example.com")


def ask_for_reset(email: str, address: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=address).post(RESET, {"email": email})


def reset_link(message) -> str:
    found = re.search(r"/password-reset/confirm/[^/\s]+/[^/\s]+/", message.body)
    assert found, message.body
    return found.group(0)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def is_logged_in(client: Client) -> bool:
    response = client.get("/accounts/profile/")
    return response.status_code == 200


def token_works(token: Token) -> bool:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api.get(INVOICES).status_code == 200


def test_reset_emails_stop_after_the_limit_per_email_address_from_any_client(settings, erika):
    assert settings.PASSWORD_RESET_RATE == "3/hour"
    answers = [ask_for_reset("erika@example.com", f"198.51.100.{n}") for n in range(4)]

    assert [(answer.status_code, answer["Location"]) for answer in answers] == [(302, DONE)] * 4
    assert len(mail.outbox) == 3
    assert {message.to[0] for message in mail.outbox} == {"erika@example.com"}


def test_reset_emails_stop_after_the_limit_per_client_address(settings):
    assert settings.PASSWORD_RESET_ADDRESS_RATE == "10/hour"
    for number in range(11):
        UserFactory(username=f"user{number}", email=f"user{number}@example.com")

    answers = [ask_for_reset(f"user{number}@example.com") for number in range(11)]

    assert [answer["Location"] for answer in answers] == [DONE] * 11
    assert len(mail.outbox) == 10
    assert "user10@example.com" not in {message.to[0] for message in mail.outbox}


def test_the_answer_is_the_same_for_an_account_no_account_and_a_refused_request(erika):
    for _ in range(3):
        ask_for_reset("erika@example.com", "198.51.100.1")

    known = ask_for_reset("erika@example.com", "198.51.100.2")  # refused: over the limit
    unknown = ask_for_reset("nobody@example.com", "198.51.100.3")
    fresh = ask_for_reset("fritz@example.com", "198.51.100.4")

    assert {(answer.status_code, answer["Location"]) for answer in (known, unknown, fresh)} == {
        (302, DONE)
    }
    page = Client().get(DONE)
    assert NEUTRAL in page.content.decode()


def test_the_request_does_the_same_work_for_an_account_and_for_no_account(
    erika, enqueued, monkeypatch
):
    from erp.services import broker

    queued: list[list] = []
    monkeypatch.setattr(
        broker, "task_enqueue", lambda *, task, args=(), countdown=None: queued.append(args)
    )

    known = ask_for_reset("erika@example.com", "198.51.100.1")
    unknown = ask_for_reset("nobody@example.com", "198.51.100.2")

    # the look-up and the e-mail happen in the worker, not in the request
    assert queued == [["erika@example.com"], ["nobody@example.com"]]
    assert mail.outbox == []
    assert (known["Location"], unknown["Location"]) == (DONE, DONE)
    from shop.tasks import send_password_reset

    assert [send_password_reset(*args) for args in queued] == [1, 0]
    assert [message.to for message in mail.outbox] == [["erika@example.com"]]


def test_a_spoofed_forwarded_for_does_not_reset_the_limit_per_client_address():
    client = Client(REMOTE_ADDR="203.0.113.7")
    for number in range(11):
        UserFactory(username=f"user{number}", email=f"user{number}@example.com")
        client.post(
            RESET,
            {"email": f"user{number}@example.com"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )

    assert len(mail.outbox) == 10


def test_the_admin_offers_no_password_reset_of_its_own():
    with pytest.raises(NoReverseMatch):
        reverse("admin_password_reset")
    assert "password_reset" not in Client().get("/admin/login/").content.decode()


def test_a_reset_revokes_the_api_tokens_and_ends_every_session(erika):
    token = Token.objects.create(user=erika)
    elsewhere = logged_in(erika)
    assert token_works(token) and is_logged_in(elsewhere)
    ask_for_reset("erika@example.com")
    client = Client()
    set_password_url = client.get(reset_link(mail.outbox[0]))["Location"]

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response["Location"] == "/password-reset/complete/"
    assert not Token.objects.filter(user=erika).exists()
    assert not token_works(token)
    assert not is_logged_in(elsewhere)


def test_a_password_change_keeps_its_own_session_and_ends_the_others(erika):
    token = Token.objects.create(user=erika)
    here, elsewhere = logged_in(erika), logged_in(erika)

    response = here.post(
        "/accounts/change-password/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert not token_works(token)
    assert not Token.objects.filter(user=erika).exists()


def test_an_admins_password_change_revokes_the_users_tokens(erika):
    token = Token.objects.create(user=erika)
    admin = logged_in(StaffFactory(username="root", is_superuser=True))

    response = admin.post(
        f"/admin/auth/user/{erika.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    erika.refresh_from_db()
    assert erika.check_password(NEW_PASSWORD)
    assert not token_works(token)


def test_disabling_password_logins_in_the_admin_revokes_the_users_tokens(erika):
    token = Token.objects.create(user=erika)
    admin = logged_in(StaffFactory(username="root", is_superuser=True))

    admin.post(
        f"/admin/auth/user/{erika.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )

    erika.refresh_from_db()
    assert not erika.has_usable_password()
    assert not token_works(token)


def test_the_changepassword_command_revokes_the_users_tokens(erika):
    token = Token.objects.create(user=erika)

    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", "erika", stdout=mock.Mock())

    assert not token_works(token)


def test_code_that_sets_a_password_and_saves_revokes_the_tokens(erika):
    token = Token.objects.create(user=erika)

    erika.set_password(NEW_PASSWORD)
    erika.save(update_fields=["password"])

    assert not Token.objects.filter(pk=token.pk).exists()


def test_saving_a_user_without_a_new_password_keeps_the_tokens(erika):
    token = Token.objects.create(user=erika)

    erika.first_name = "Erika"
    erika.save()
    type(erika).objects.get(pk=erika.pk).save()

    assert token_works(token)


def test_a_stronger_hash_of_the_same_password_at_login_revokes_nothing(settings, erika):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    get_user_model().objects.filter(pk=erika.pk).update(
        password=make_password(PASSWORD, hasher="md5")
    )
    token = Token.objects.create(user=erika)

    response = Client().post(
        "/accounts/login/",
        {"login-username": "erika@example.com", "login-password": PASSWORD, "login_submit": "1"},
    )

    assert response.status_code == 302
    erika.refresh_from_db()
    assert erika.password.startswith("pbkdf2_sha256$")  # Django upgraded the hash
    assert token_works(token)


def test_a_reset_lifts_the_lockout_so_the_new_password_works_at_once(erika):
    guesser = Client(REMOTE_ADDR="198.51.100.1")
    for _ in range(5):
        guesser.post(
            "/accounts/login/",
            {"login-username": "erika@example.com", "login-password": "x", "login_submit": "1"},
        )
    assert AccessAttempt.objects.filter(username="erika").exists()
    ask_for_reset("erika@example.com")
    client = Client()
    set_password_url = client.get(reset_link(mail.outbox[0]))["Location"]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.post(
        "/accounts/login/",
        {
            "login-username": "erika@example.com",
            "login-password": NEW_PASSWORD,
            "login_submit": "1",
        },
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="erika").exists()
