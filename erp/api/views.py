"""The API root and the token login.

The token login is counted twice: every request by the login throttle (per client
address), and every failure by the login lockout (``erp.logins.lockout``: per
account and per address), which refuses even the right password with a 429
``locked_out`` until the wait is over.
"""

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from erp.api.exceptions import ApiError
from erp.api.parsers import JSONParser
from erp.api.serializers import ErrorSerializer
from erp.api.throttling import LoginThrottle
from erp.logins.lockout import lockout_message, lockout_seconds

# The collections a client starts from (paths are the contract, see the schema).
ENDPOINTS = {
    "token": "auth/token/",
    "products": "products/",
    "orders": "orders/",
    "invoices": "invoices/",
    "stock": "inventory/stock/",
    "receipts": "inventory/receipts/",
    "shipments": "shipments/",
    "trial_balance": "accounting/trial-balance/",
    "suppliers": "suppliers/",
    "purchase_orders": "purchase-orders/",
}


class ApiRootView(APIView):
    """Entry point of the API: links to the schema, its docs and the health check."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "ApiRoot",
            fields={
                "version": serializers.CharField(),
                "schema": serializers.URLField(),
                "docs": serializers.URLField(),
                "health": serializers.URLField(),
                "endpoints": serializers.DictField(child=serializers.URLField()),
            },
        )
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            {
                "version": "v1",
                "schema": reverse("api-schema", request=request),
                "docs": reverse("api-docs", request=request),
                "health": reverse("healthz", request=request),
                "endpoints": {
                    name: request.build_absolute_uri(f"/api/v1/{path}")
                    for name, path in ENDPOINTS.items()
                },
            }
        )


class LockedOut(ApiError):
    status_code = 429
    default_code = "locked_out"

    def __init__(self) -> None:
        super().__init__(lockout_message())
        self.wait = lockout_seconds()  # DRF's exception handler sends it as Retry-After


class TokenLoginView(ObtainAuthToken):
    """Exchange a username and password for an API token (``Authorization: Token <token>``)."""

    throttle_classes = [LoginThrottle]
    parser_classes = [JSONParser]  # the API's, not ObtainAuthToken's form parsers
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("Token", fields={"token": serializers.CharField()}),
            400: ErrorSerializer,
            429: ErrorSerializer,
        },
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # axes marks the request it refused, or whose failure reached the limit
            if getattr(request, "axes_locked_out", False):
                raise LockedOut() from None
            raise
        user = serializer.validated_data["user"]
        # as after a web login: the account's own failures from this address are forgotten
        AxesProxyHandler.get_implementation().reset_user_attempts(
            request, {"username": user.get_username()}
        )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request: Request, path: str = "") -> Response:
    """Unknown paths under /api/ answer in the API's error shape, not an HTML page."""
    raise NotFound(f"There is no API endpoint at {request.path}.")
