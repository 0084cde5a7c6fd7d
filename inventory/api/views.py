"""Inventory endpoints for staff and scanners: stock per warehouse, goods receipts.

Access by role (``erp.roles``): reading stock needs ``inventory.view_stock``
(Warehouse, Manager, and Sales, who may already read stock in the back office);
receiving needs ``inventory.change_stock``, the permission the back office's
receive form asks for (Warehouse and Manager). Receipts go through
``inventory.services.stock_receive``, one transaction: refused or invalid
input changes nothing. A scanner may send an ``Idempotency-Key``: a retry of
the same scan then answers with the first receipt and receives nothing twice.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.exceptions import ApiError, Unprocessable
from erp.api.idempotency import parse_idempotency_key, request_fingerprint
from erp.api.permissions import StaffPermission
from erp.api.serializers import ErrorSerializer
from erp.services.idempotency import IdempotencyConflict, idempotent_request
from inventory import selectors, services
from inventory.api.serializers import (
    ReceiptInSerializer,
    ReceiptOutSerializer,
    StockQuerySerializer,
    StockRowSerializer,
)

STAFF_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}


class StockView(GenericAPIView):
    """What each warehouse holds of one product: on hand, allocated, available."""

    permission_classes = [StaffPermission]
    required_permissions = ("inventory.view_stock",)
    serializer_class = StockRowSerializer
    pagination_class = None

    @extend_schema(
        parameters=[StockQuerySerializer],
        responses={200: StockRowSerializer(many=True), **STAFF_ERRORS, 404: ErrorSerializer},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = StockQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sku = query.validated_data["sku"]
        product = selectors.product_by_sku(sku)
        if product is None:
            raise exceptions.NotFound(f"There is no product with SKU “{sku}”.")
        rows = selectors.warehouse_stock(product.pk)
        return Response(StockRowSerializer(rows, many=True).data)


class ReceiptCreateView(GenericAPIView):
    """Goods arrived in a warehouse (a scanner or a receiving desk): add them to stock."""

    permission_classes = [StaffPermission]
    required_permissions = ("inventory.change_stock",)
    serializer_class = ReceiptInSerializer

    @extend_schema(
        request=ReceiptInSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="Optional, e.g. a UUID per scan: a retried request with the same "
                "key and body returns the first receipt instead of receiving the goods twice.",
            )
        ],
        responses={201: ReceiptOutSerializer, **STAFF_ERRORS, 422: ErrorSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ReceiptInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = data.validated_data
        problems: dict[str, list[str]] = {}
        warehouse = selectors.warehouse_by_code(receipt["warehouse"])
        if warehouse is None:
            problems["warehouse"] = [f"There is no warehouse “{receipt['warehouse']}”."]
        if receipt.get("sku"):
            product = selectors.product_by_sku(receipt["sku"])
            if product is None:
                problems["sku"] = [f"There is no product with SKU “{receipt['sku']}”."]
        else:
            product = selectors.product_by_barcode(receipt["barcode"])
            if product is None:
                problems["barcode"] = [f"No product has the barcode “{receipt['barcode']}”."]
        if problems:
            raise exceptions.ValidationError(problems)
        assert warehouse is not None and product is not None

        def receive() -> dict[str, Any]:
            try:
                move = services.stock_receive(
                    product=product,
                    warehouse=warehouse,
                    quantity=receipt["quantity"],
                    unit_cost=receipt["unit_cost"],
                    reference=receipt["reference"],
                    user=request.user,
                )
            except services.InventoryError as refused:
                raise ApiError(str(refused), code="invalid") from refused
            body = {
                "id": move.pk,
                "sku": selectors.sku_of(product.pk),
                "warehouse": warehouse.code,
                "quantity": move.quantity,
                "unit_cost": move.unit_cost,
                "reference": move.reference,
                "on_hand": selectors.on_hand(product.pk, warehouse.pk),
            }
            return dict(ReceiptOutSerializer(body).data)

        # a too-long key keeps the code this endpoint has always answered with
        key = parse_idempotency_key(request, required=False, too_long_code="invalid")
        if key is None:
            return Response(receive(), status=status.HTTP_201_CREATED)
        try:
            answer, created = idempotent_request(
                user=request.user,
                scope="inventory.receipt",
                key=key,
                fingerprint=request_fingerprint(request.data),
                perform=receive,
            )
        except IdempotencyConflict as conflict:
            raise Unprocessable(str(conflict), code="idempotency_key_reused") from conflict
        response = Response(answer, status=status.HTTP_201_CREATED)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response
