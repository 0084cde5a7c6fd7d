"""The lockout after failed logins, on every login: the storefront's (by e-mail),
the checkout's, the admin's and the API token login.

django-axes counts failures in its ``AccessAttempt`` table (the database every
web process shares); these are the hooks the settings name.

Invariants:

- a login is refused once ``AXES_FAILURE_LIMIT`` failures within
  ``AXES_COOLOFF_TIME`` were made on the account, or from the client address
  (``erp.client_address``), even with the right password; each further failure
  restarts the wait;
- an account is counted under one name however it was typed: its username
  whether the login form took the username or the e-mail address, so switching
  between them does not double the attempts;
- a successful login forgets only the failures of that account from that
  address (the person's own typos), never another account's: a client cannot
  clear its count of guesses at someone else's password by logging into its own;
- people get a page (the API its JSON error shape) that says how long to wait
  and how to reset the password, not a bare 403/429.
"""

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from erp.rate_limits import wait_minutes


def lockout_seconds() -> int:
    cool_off = get_cool_off()
    return math.ceil(cool_off.total_seconds()) if cool_off else 0


def lockout_message() -> str:
    minutes = wait_minutes(lockout_seconds())
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed attempts; try again in {minutes} {unit} or reset your password."


def account_key(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the username of the account the typed login names
    (a username, or an e-mail address one account has), else the typed text in
    lower case. None when nothing was typed."""
    typed = (credentials or {}).get("username")
    if not isinstance(typed, str):
        return None
    typed = typed.replace("\x00", "").strip()[:255]
    if not typed:
        return None
    users = get_user_model()._default_manager
    username = users.filter(username=typed).values_list("username", flat=True).first()
    if username is not None:
        return str(username)
    by_email = list(users.filter(email__iexact=typed).values_list("username", flat=True)[:2])
    return str(by_email[0]) if len(by_email) == 1 else typed.lower()


class LockoutBackend(AxesStandaloneBackend):
    """First in ``AUTHENTICATION_BACKENDS``: refuses a locked-out login before any
    password is checked.

    ``authenticate()`` without a request is not a login anyone outside can make:
    Oscar calls it so to sign a customer in right after registration, with the
    password just set (and tests' ``Client.login``). There is no address to count
    by, so this backend lets the other backends decide instead of failing.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler; a successful login resets only its own failures."""

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(
            username=username,
            ip_address=getattr(request, "axes_ip_address", None),
        ).delete()
        return count


def is_admin_request(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("admin:index"))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the page a locked-out login attempt gets instead
    of the login form (the API token login answers in its own error shape,
    ``erp.api.views.LockedOut``)."""
    seconds = lockout_seconds()
    on_admin = is_admin_request(request)
    context = {
        **(admin.site.each_context(request) if on_admin else {}),
        "message": lockout_message(),
        "minutes": wait_minutes(seconds),
        "password_reset_url": reverse("password-reset"),
        "title": "Too many failed attempts",
    }
    template = "admin/login_locked_out.html" if on_admin else "oscar/customer/login_locked_out.html"
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response
