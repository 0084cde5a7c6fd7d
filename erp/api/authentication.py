"""API token authentication, as DRF's, with the token and its user read by one
hand-written SELECT (every API request runs it; ``erp.db.raw_select``)."""

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from erp.db.raw_select import Joined, table


@cache
def _joined() -> tuple[Joined, str]:
    user_model = get_user_model()
    joined = Joined(((Token, "t"), (user_model, "u")))
    sql = (
        f"SELECT {joined.columns} FROM {table(Token)} t "  # noqa: S608
        f"JOIN {table(user_model)} u ON u.id = t.user_id WHERE t.key = %s"
    )
    return joined, sql


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        joined, sql = _joined()
        found = joined.fetch_one(sql, [key])
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, user = found
        token.user = user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
