"""Back-office screens of the login lockout: failed attempts (with the unlock
actions) and the log of successful logins.

Nothing here is typed in: attempts and logs are written by logins. Who may see
them is the role's ``view`` permission (Manager, ``erp.roles``); unlocking deletes
attempts, so it needs ``delete``. Unlocking goes through axes' ``reset``: an
account is unlocked by forgetting every failed attempt on it, from any address;
an address by forgetting every failed attempt made from it, on any account.
"""

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessLog
from axes.utils import reset
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest


def _listed(values: set[str]) -> str:
    return ", ".join(sorted(values))


@admin.register(AccessAttempt)
class LoginAttemptAdmin(AccessAttemptAdmin):
    actions = ["unlock_accounts", "unlock_addresses"]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "unlock" says what deleting means here
        return actions

    @admin.action(description="Unlock the selected accounts", permissions=["delete"])
    def unlock_accounts(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        usernames = {name for name in queryset.values_list("username", flat=True) if name}
        for username in usernames:
            reset(username=username)
        self.message_user(
            request,
            f"Unlocked {len(usernames)} account(s): {_listed(usernames)}."
            if usernames
            else "The selected attempts name no account.",
            messages.SUCCESS if usernames else messages.WARNING,
        )

    @admin.action(description="Unlock the selected addresses", permissions=["delete"])
    def unlock_addresses(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        addresses = {ip for ip in queryset.values_list("ip_address", flat=True) if ip}
        for address in addresses:
            reset(ip=address)
        self.message_user(
            request,
            f"Unlocked {len(addresses)} address(es): {_listed(addresses)}."
            if addresses
            else "The selected attempts name no address.",
            messages.SUCCESS if addresses else messages.WARNING,
        )


@admin.register(AccessLog)
class LoginLogAdmin(AccessLogAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
