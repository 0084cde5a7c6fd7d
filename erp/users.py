"""Staff accounts: who may create and change which user, and the one write that does it.

Invariants, checked here for every caller (the user admin saves through
:func:`user_save`, its password page asks :func:`password_change_require`):

- only a superuser makes or edits a superuser, sets the superuser flag or a
  user's own permissions (``user_permissions``), changes another person's
  password, or deletes an account;
- anyone else with ``auth.add_user`` / ``auth.change_user`` (the Manager role)
  creates staff accounts and gives them the role groups of ``erp.roles.ROLES``
  other than Manager, and edits staff accounts below them (name, e-mail,
  active, those role groups): never a superuser, a Manager (themselves
  included) or a customer account, and never the e-mail address of an
  existing account (password resets go there: changing it and asking for a
  reset would be logging in as that person);
- groups they cannot hand out stay as a superuser set them.

A refused save raises ``PermissionRefused`` and writes nothing.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import QuerySet

from erp.permissions import PermissionRefused, permission_require
from erp.roles import MANAGER, ROLES

#: the role groups someone who is not a superuser may hand out
ASSIGNABLE_ROLES = tuple(role for role in ROLES if role != MANAGER)


def assignable_groups(actor: Any) -> QuerySet[Group]:
    """The groups ``actor`` may give to the users they manage."""
    if actor.is_superuser:
        return Group.objects.all()
    return Group.objects.filter(name__in=ASSIGNABLE_ROLES)


def may_manage(actor: Any, user: Any) -> bool:
    """Whether ``actor`` may change ``user``'s account (as stored)."""
    if actor.is_superuser:
        return True
    if not (actor.is_active and actor.has_perm("auth.change_user")):
        return False
    return (
        user.pk != actor.pk
        and user.is_staff
        and not user.is_superuser
        and not user.groups.filter(name=MANAGER).exists()
    )


def password_change_require(actor: Any, user: Any) -> None:
    """Only superusers set someone else's password; everyone may change their own."""
    if actor.is_superuser or (actor.is_authenticated and actor.pk == user.pk):
        return
    raise PermissionRefused("Only a superuser can set another person's password.")


def user_save(
    *,
    actor: Any,
    user: Any,
    groups: Iterable[Group] | None = None,
    user_permissions: Iterable[Permission] | None = None,
) -> Any:
    """Create or update ``user`` (with the fields set on it) and its groups.

    ``groups`` / ``user_permissions`` of ``None`` leave them as they are.
    """
    User = get_user_model()
    with transaction.atomic():
        stored = User.objects.select_for_update().filter(pk=user.pk).first() if user.pk else None
        chosen_groups = None if groups is None else set(groups)
        if not actor.is_superuser:
            _check_below_superuser(actor, user, stored, chosen_groups, user_permissions)
            user.is_staff = True  # they create and keep staff accounts only
        user.save()
        if chosen_groups is not None:
            if not actor.is_superuser and stored is not None:
                # groups only a superuser hands out stay as they are
                chosen_groups |= set(stored.groups.exclude(pk__in=assignable_groups(actor)))
            user.groups.set(chosen_groups)
        if user_permissions is not None and actor.is_superuser:
            user.user_permissions.set(user_permissions)
        return user


def _check_below_superuser(
    actor: Any,
    user: Any,
    stored: Any,
    groups: set[Group] | None,
    user_permissions: Iterable[Permission] | None,
) -> None:
    if stored is None:
        permission_require(actor, "auth.add_user", "auth.change_user", doing="create accounts")
    else:
        permission_require(actor, "auth.change_user", doing="change accounts")
        if not may_manage(actor, stored):
            raise PermissionRefused(
                f"Only a superuser can change the account “{stored.get_username()}” "
                "(superusers, Managers, your own access and customer accounts)."
            )
        if user.password != stored.password:
            raise PermissionRefused("Only a superuser can set another person's password.")
        if user.email != stored.email:
            raise PermissionRefused(
                "Only a superuser can change the e-mail address of an account: "
                "password resets are sent there."
            )
    if user.is_superuser:
        raise PermissionRefused("Only a superuser can make someone a superuser.")
    if user_permissions is not None:
        wanted = {permission.pk for permission in user_permissions}
        current = set(stored.user_permissions.values_list("pk", flat=True)) if stored else set()
        if wanted != current:
            raise PermissionRefused("Only a superuser can give a user permissions of their own.")
    if groups is not None:
        allowed = set(assignable_groups(actor))
        refused = sorted(group.name for group in groups if group not in allowed)
        if refused:
            raise PermissionRefused(
                f"You can give the roles {', '.join(ASSIGNABLE_ROLES)}; "
                f"only a superuser can give {', '.join(refused)}."
            )
