"""Order endpoints: place (idempotent), list, read, cancel; staff ship parcels.

Views parse the request, call one service and shape the answer; every
refusal is the API's one error shape (``erp.api.exceptions``). The services
check the caller's permission (``orders.services.permissions``): a refusal
is 403 ``permission_denied`` with the service's sentence.
"""

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounting.services import money_json
from erp.api.exceptions import ApiError, Conflict, Unprocessable
from erp.api.idempotency import parse_idempotency_key, request_fingerprint
from erp.api.permissions import StaffPermission
from erp.api.serializers import ErrorSerializer
from erp.permissions import PermissionRefused
from inventory.selectors import warehouse_by_code
from inventory.services import InsufficientStock
from orders import selectors, services, statuses
from orders.api.serializers import (
    CreditLimitErrorSerializer,
    InsufficientStockErrorSerializer,
    OrderCreateSerializer,
    OrderOutSerializer,
    ShipmentCreateSerializer,
    ShipmentOutSerializer,
)
from orders.payment_gateways import PaymentDeclined
from orders.services.credit import CreditLimitExceeded
from orders.services.permissions import STEPS, step_allowed

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per order, e.g. a UUID. Retrying with the same key and body "
    "returns the same order; the same key with another body is refused with 422.",
)
# 409 on placing an order: short of stock (per line), or past the company's credit limit
PLACEMENT_CONFLICT = PolymorphicProxySerializer(
    component_name="OrderConflict",
    serializers=[InsufficientStockErrorSerializer, CreditLimitErrorSerializer],
    resource_type_field_name=None,
)
ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


def _forbidden(refused: PermissionRefused) -> ApiError:
    return ApiError(str(refused), status_code=403, code="permission_denied")


def _placement_error(error: Exception, lines: list[dict[str, Any]]) -> ApiError:
    if isinstance(error, InsufficientStock):
        sku_of = {line["product"].pk: line["sku"] for line in lines}
        return Conflict(
            str(error),
            code="insufficient_stock",
            extra={
                "lines": [
                    {
                        "sku": sku_of.get(shortage.product_id, ""),
                        "requested": shortage.requested,
                        "available": max(shortage.available, 0),
                    }
                    for shortage in error.shortages
                ]
            },
        )
    if isinstance(error, CreditLimitExceeded):
        return Conflict(
            str(error),
            code="credit_limit_exceeded",
            extra={"available": money_json(max(error.available, Decimal("0")), error.currency)},
        )
    if isinstance(error, services.IdempotencyMismatch):
        return Unprocessable(str(error), code="idempotency_key_reused")
    if isinstance(error, PaymentDeclined):
        return ApiError(
            str(error), code="payment_declined", fields={"payment_method": [str(error)]}
        )
    return ApiError(str(error), code="invalid")


class OrderListCreateView(GenericAPIView):
    """Your orders (staff: everyone's), and placing a new one."""

    permission_classes = [IsAuthenticated]
    serializer_class = OrderOutSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.api_orders(
            self.request.user, status=self.request.query_params.get("status")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=list(statuses.PIPELINE), required=False
            )
        ],
        responses={200: OrderOutSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None
        return self.get_paginated_response(OrderOutSerializer(page, many=True).data)

    @extend_schema(
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OrderOutSerializer,
            **ERRORS,
            409: PLACEMENT_CONFLICT,
            422: ErrorSerializer,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = parse_idempotency_key(
            request,
            required=True,
            missing_detail="Send an Idempotency-Key header (e.g. a UUID) so a retried request "
            "cannot place the order twice.",
        )
        incoming = OrderCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        lines = data["lines"]

        def place() -> Any:
            return services.order_place_from_lines(
                user=request.user,
                lines=[
                    services.OrderLineRequest(
                        line["product"], line["quantity"], line["stockrecord"]
                    )
                    for line in lines
                ],
                shipping_address=data["shipping_address"]["instance"],
                shipping_method_code=data.get("shipping_method"),
                payment_method=data.get("payment_method"),
                channel="api",
                customer_reference=data.get("customer_reference", ""),
            )

        try:
            order, created = services.order_place_idempotent(
                user=request.user,
                key=key,
                fingerprint=request_fingerprint(request.data),
                place=place,
            )
        except (InsufficientStock, services.OrderError, PaymentDeclined) as refused:
            raise _placement_error(refused, lines) from refused
        order = (
            selectors.api_order_just_placed(order)
            if created
            else selectors.api_orders(request.user).get(pk=order.pk)
        )
        response = Response(OrderOutSerializer(order).data, status=status.HTTP_201_CREATED)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


class OrderDetailView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderOutSerializer
    lookup_field = "number"

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.api_orders(self.request.user)

    @extend_schema(responses={200: OrderOutSerializer, **ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(OrderOutSerializer(self.get_object()).data)


class OrderCancelView(GenericAPIView):
    """Cancel before anything shipped: customers their own, staff (Sales, Manager) any."""

    permission_classes = [IsAuthenticated]
    serializer_class = OrderOutSerializer
    lookup_field = "number"

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.api_orders(self.request.user)

    @extend_schema(
        request=None, responses={200: OrderOutSerializer, **ERRORS, 409: ErrorSerializer}
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        user = request.user
        as_staff = user.is_staff and step_allowed(user, "cancel")
        if not as_staff and order.user_id != user.pk:
            raise ApiError(
                "Only staff may cancel another customer's order.",
                status_code=403,
                code="permission_denied",
            )
        try:
            services.order_cancel(
                order=order, user=user, by_customer=not as_staff, reason="cancelled through the API"
            )
        except services.OrderError as refused:
            raise Conflict(str(refused), code="not_cancellable") from refused
        except PermissionRefused as refused:
            raise _forbidden(refused) from refused
        return Response(OrderOutSerializer(self.get_queryset().get(pk=order.pk)).data)


class ShipmentCreateView(GenericAPIView):
    """Pack and ship a parcel (scanner or carrier system): Warehouse and Manager roles."""

    permission_classes = [StaffPermission]
    required_permissions = (*STEPS["pack"].permissions, *STEPS["ship"].permissions)
    serializer_class = ShipmentCreateSerializer

    @extend_schema(
        request=ShipmentCreateSerializer,
        responses={201: ShipmentOutSerializer, **ERRORS, 409: ErrorSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = ShipmentCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        order = selectors.order_by_number(data["order"])
        if order is None:
            raise ApiError(
                f"No order has the number “{data['order']}”.",
                code="invalid",
                fields={"order": ["No such order."]},
            )
        carrier = selectors.active_carrier_by_code(data["carrier"])
        if carrier is None:
            codes = ", ".join(selectors.active_carriers().values_list("code", flat=True))
            raise ApiError(
                f"Unknown carrier “{data['carrier']}”; use one of: {codes}.",
                fields={"carrier": [f"Use one of: {codes}."]},
            )
        warehouse = None
        if data.get("warehouse"):
            warehouse = warehouse_by_code(data["warehouse"])
            if warehouse is None:
                raise ApiError(
                    f"No warehouse has the code “{data['warehouse']}”.",
                    fields={"warehouse": ["No such warehouse."]},
                )
        line_ids = selectors.order_line_ids_by_sku(order)
        quantities: dict[int, int] = {}
        for index, line in enumerate(data["lines"]):
            sku = line["sku"].strip().upper()
            if sku not in line_ids:
                raise ApiError(
                    f"Order {order.number} has no line with the SKU “{line['sku']}”.",
                    fields={f"lines[{index}].sku": ["Not on this order."]},
                )
            quantities[line_ids[sku]] = quantities.get(line_ids[sku], 0) + line["quantity"]
        try:
            shipment = services.shipment_dispatch(
                order=order,
                quantities=quantities,
                carrier=carrier,
                tracking_number=data["tracking_number"],
                warehouse=warehouse,
                user=request.user,
            )
        except services.OrderError as refused:
            raise Conflict(str(refused), code="cannot_ship") from refused
        except PermissionRefused as refused:
            raise _forbidden(refused) from refused
        shipment = selectors.order_shipments(order).select_related("warehouse").get(pk=shipment.pk)
        return Response(ShipmentOutSerializer(shipment).data, status=status.HTTP_201_CREATED)
