"""A password change takes back what the old password handed out.

Invariants:

- when a user's password is replaced or made unusable, by whatever path (the
  customer's change or reset, the admin's password form, ``changepassword``,
  code that calls ``set_password`` and saves), the save also deletes the user's
  API tokens and lifts a lockout of the account (whoever set a new password
  owns it);
- the user's other sessions end on their next request by Django's own rule: a
  session keeps a hash of the password it logged in with and is refused once it
  differs; the view that changed the password keeps its own session
  (``update_session_auth_hash``);
- Django re-hashing the same password at login (a stronger hasher after an
  upgrade) is not a change and revokes nothing.

The user's save is the one place all those paths pass through, and
``django.contrib.auth``'s model offers no other hook than its save signals.
"""

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from rest_framework.authtoken.models import Token

REPLACED = "_kontor_password_replaced"


def password_replaced(user: Any, update_fields: frozenset[str] | None) -> bool:
    """Whether this save of ``user`` replaces the password stored for it."""
    if user.pk is None or (update_fields is not None and "password" not in update_fields):
        return False
    if getattr(user, "_password", None) is not None:
        return True  # set_password() since the last save
    if update_fields == frozenset({"password"}) and user.has_usable_password():
        return False  # check_password() re-hashing the password it just verified
    stored = (
        type(user)._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
    )
    return stored is not None and stored != user.password


def credentials_revoke(*, user: Any) -> None:
    """Delete the user's API tokens and forget the failed logins on the account."""
    Token.objects.filter(user_id=user.pk).delete()
    axes_reset(username=user.get_username())


def _remember_replacement(
    sender: Any,
    instance: Any,
    update_fields: frozenset[str] | None = None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if not raw and isinstance(instance, get_user_model()):
        setattr(instance, REPLACED, password_replaced(instance, update_fields))


def _revoke_after_replacement(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.__dict__.pop(REPLACED, False):
        credentials_revoke(user=instance)


def connect() -> None:
    # no sender: a proxy model of the user (an admin's "staff users") saves as itself
    pre_save.connect(_remember_replacement, dispatch_uid=REPLACED)
    post_save.connect(_revoke_after_replacement, dispatch_uid=REPLACED)
