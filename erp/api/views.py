"""The API root and the token login."""

from typing import Any

from django.core.cache import caches
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from erp.api.serializers import ErrorSerializer

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


class LoginThrottle(AnonRateThrottle):
    """Login attempts per client address (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]``),
    counted in the cache all web processes share, so N workers allow N times nothing."""

    scope = "login"
    cache = caches["shared"]


class TokenLoginView(ObtainAuthToken):
    """Exchange a username and password for an API token (``Authorization: Token <token>``)."""

    throttle_classes = [LoginThrottle]
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # JSON, not ObtainAuthToken's forms
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
        return super().post(request, *args, **kwargs)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request: Request, path: str = "") -> Response:
    """Unknown paths under /api/ answer in the API's error shape, not an HTML page."""
    raise NotFound(f"There is no API endpoint at {request.path}.")
