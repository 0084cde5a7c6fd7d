"""API access rules: staff endpoints need an active staff user with the role's permissions."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class StaffPermission(BasePermission):
    """Staff with every permission in ``required_permissions`` (set on the view).

    Anonymous callers get 401 (DRF answers so when the request carries no
    credentials), customers and staff without the role's permission 403.
    """

    message = "Your account's role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        required = getattr(view, "required_permissions", ())
        return user.has_perms(required)
