"""Who is acting, and whether their role allows a write.

Every service that changes business documents on someone's behalf takes the
actor (``user=``) and calls :func:`permission_require` before it writes, so the
rule holds wherever the service is called from: an admin action, the fulfil
page, the API or a script. A refusal is :class:`PermissionRefused`, a Django
``PermissionDenied`` with a message meant for people: the admin shows it as
an error message, the API answers 403 with it, and nothing is written.

Code that acts on its own (the demo seed, benchmarks, Celery tasks, data
migrations, tests of business flows) passes the explicit :data:`SYSTEM`
actor. ``None`` is not an actor: a service called without one is refused, so
a forgotten ``user=`` fails loudly instead of passing silently.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class PermissionRefused(PermissionDenied):
    """The actor's role does not allow this write; the message is meant for people."""


@dataclass(frozen=True)
class SystemActor:
    """The system acting on its own behalf, not a person (no user row).

    It has every permission; services record no user for its writes
    (``getattr(actor, "pk", None)`` is ``None``), and notes say ``system``.
    """

    username: str = "system"
    pk: None = None
    is_authenticated: bool = False
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False

    def has_perm(self, permission: str, obj: Any = None) -> bool:
        return True

    def has_perms(self, permissions: Any, obj: Any = None) -> bool:
        return True

    def __str__(self) -> str:
        return self.username


#: the actor of the demo seed, benchmarks, Celery tasks and data migrations
SYSTEM = SystemActor()


def is_system(actor: Any) -> bool:
    return isinstance(actor, SystemActor)


def permission_require(actor: Any, *permissions: str, doing: str = "do this") -> None:
    """Refuse unless ``actor`` is :data:`SYSTEM` or an active user holding every
    one of ``permissions`` ("app_label.codename"); ``doing`` names the write
    for the message ("record payments")."""
    if is_system(actor):
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionRefused(f"Sign in with a staff account to {doing}.")
    if not (actor.is_active and actor.has_perms(permissions)):
        raise PermissionRefused(f"Your account's role does not allow you to {doing}.")


def has_permissions(actor: Any, *permissions: str) -> bool:
    """What :func:`permission_require` would allow, for showing or hiding a button."""
    try:
        permission_require(actor, *permissions)
    except PermissionRefused:
        return False
    return True


def staff_permission_required(
    permission: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Anonymous visitors go to the back-office login; staff without the permission get 403."""
    return staff_any_permission_required(permission)


def staff_any_permission_required(
    *permissions: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Like :func:`staff_permission_required`, for any one of several permissions."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not (user.is_staff and any(user.has_perm(p) for p in permissions)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorator
