"""Purchasing endpoints for staff: suppliers and their items, purchase orders, receipts
against them and supplier bills.

Each view parses the request, resolves codes, numbers and SKUs (an unknown one is
400 naming the field, before anything is written), calls one service of
``purchasing.services`` and answers with the document as it is now. Access is the
model permission of what the endpoint does (``erp.roles``: Purchasing for suppliers,
orders and bills, Warehouse receives, Accounting enters bills, Manager all); the
services check it again, and their refusal is 403 too. A refused transition is 409
with the service's code (``invalid_state``, ``over_receipt``, ``duplicate_bill``),
another refusal of the service 422; either way nothing is written.

A receipt may carry an ``Idempotency-Key``: a retry with the same key and body
answers with the first receipt (``Idempotent-Replayed: true``) and receives nothing
twice; the same key with another body is 422 ``idempotency_key_reused``.
"""

from typing import Any, NoReturn

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounting.services import AccountingError
from erp.api.exceptions import ApiError, Conflict, Unprocessable
from erp.api.idempotency import parse_idempotency_key, request_fingerprint
from erp.api.permissions import StaffPermission
from erp.api.serializers import ErrorSerializer
from erp.permissions import PermissionRefused
from erp.services.idempotency import IdempotencyConflict, idempotent_request
from inventory.selectors import product_by_sku, warehouse_by_code
from purchasing import services
from purchasing.api import queries
from purchasing.api.serializers import (
    PurchaseOrderCreateSerializer,
    PurchaseOrderOutSerializer,
    PurchaseOrderQuerySerializer,
    PurchaseReceiptCreateSerializer,
    PurchaseReceiptOutSerializer,
    SupplierBillCreateSerializer,
    SupplierBillOutSerializer,
    SupplierCreateSerializer,
    SupplierItemOutSerializer,
    SupplierItemSetSerializer,
    SupplierOutSerializer,
)
from purchasing.models import PurchaseOrder, Supplier

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}
REFUSALS = {409: ErrorSerializer, 422: ErrorSerializer}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Optional, e.g. a UUID per delivery: a retried request with the same key and "
    "body answers with the first receipt instead of receiving the goods twice; the same key "
    "with another body is refused with 422.",
)


def _refused(error: Exception) -> NoReturn:
    """A service's refusal in the API's error shape: 403 for the role, the status the
    purchasing error names (409 for the document's state: ``over_receipt``,
    ``duplicate_bill``, ``invalid_state``), 422 for any other refusal."""
    if isinstance(error, PermissionRefused):
        raise ApiError(str(error), status_code=403, code="permission_denied") from error
    if isinstance(error, services.PurchasingError) and error.status == status.HTTP_409_CONFLICT:
        raise Conflict(str(error), code=error.code) from error
    code = error.code if isinstance(error, services.PurchasingError) else "unprocessable"
    raise Unprocessable(str(error), code=code) from error


SERVICE_REFUSALS = (PermissionRefused, services.PurchasingError, AccountingError)


class StaffView(GenericAPIView):
    """A staff endpoint whose permissions depend on the method (``permissions``);
    HEAD and OPTIONS need what GET needs."""

    permission_classes = [StaffPermission]
    permissions: dict[str, tuple[str, ...]] = {}

    @property
    def required_permissions(self) -> tuple[str, ...]:
        method = self.request.method or "GET"
        if method in {"HEAD", "OPTIONS"}:
            method = "GET"
        # a method the view does not have: the strictest of its permissions, then 405
        return self.permissions.get(method) or tuple(
            permission for needed in self.permissions.values() for permission in needed
        )


def _supplier_or_404(code: str) -> Supplier:
    supplier = queries.supplier_by_code(code)
    if supplier is None:
        raise exceptions.NotFound(f"There is no supplier “{code}”.")
    return supplier


def _order_or_404(number: str, *, body: bool = False) -> PurchaseOrder:
    order = queries.purchase_order_by_number(number, body=body)
    if order is None:
        raise exceptions.NotFound(f"There is no purchase order “{number}”.")
    return order


class SupplierListCreateView(StaffView):
    """Suppliers by code, and adding one."""

    serializer_class = SupplierOutSerializer
    permissions = {"GET": ("purchasing.view_supplier",), "POST": ("purchasing.add_supplier",)}

    @extend_schema(responses={200: SupplierOutSerializer(many=True), **ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(queries.suppliers())
        assert page is not None
        return self.get_paginated_response(SupplierOutSerializer(page, many=True).data)

    @extend_schema(
        request=SupplierCreateSerializer,
        responses={201: SupplierOutSerializer, **ERRORS, **REFUSALS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = SupplierCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if queries.supplier_by_code(data["code"]) is not None:
            raise Conflict(
                f"There is already a supplier “{data['code']}”.",
                code="supplier_exists",
                fields={"code": ["A supplier has this code."]},
            )
        try:
            supplier = services.supplier_create(user=request.user, **data)
        except SERVICE_REFUSALS as refused:
            _refused(refused)
        return Response(SupplierOutSerializer(supplier).data, status=status.HTTP_201_CREATED)


class SupplierDetailView(StaffView):
    serializer_class = SupplierOutSerializer
    queryset = Supplier.objects.none()  # the schema reads the path parameter's type here
    lookup_field = "code"
    permissions = {"GET": ("purchasing.view_supplier",)}

    @extend_schema(responses={200: SupplierOutSerializer, **ERRORS})
    def get(self, request: Request, code: str, *args: Any, **kwargs: Any) -> Response:
        return Response(SupplierOutSerializer(_supplier_or_404(code)).data)


class SupplierItemListSetView(StaffView):
    """What a supplier sells us and on which terms; posting a SKU again replaces its terms."""

    serializer_class = SupplierItemOutSerializer
    queryset = Supplier.objects.none()
    lookup_field = "code"
    permissions = {
        "GET": ("purchasing.view_supplieritem",),
        "POST": ("purchasing.add_supplieritem", "purchasing.change_supplieritem"),
    }

    @extend_schema(responses={200: SupplierItemOutSerializer(many=True), **ERRORS})
    def get(self, request: Request, code: str, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(queries.supplier_items(_supplier_or_404(code)))
        assert page is not None
        return self.get_paginated_response(SupplierItemOutSerializer(page, many=True).data)

    @extend_schema(
        request=SupplierItemSetSerializer,
        responses={201: SupplierItemOutSerializer, **ERRORS, **REFUSALS},
    )
    def post(self, request: Request, code: str, *args: Any, **kwargs: Any) -> Response:
        supplier = _supplier_or_404(code)
        incoming = SupplierItemSetSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        sku = data.pop("sku")
        product = product_by_sku(sku)
        if product is None:
            raise exceptions.ValidationError({"sku": [f"No product has the SKU “{sku}”."]})
        try:
            item = services.supplier_item_set(
                user=request.user, supplier=supplier, product=product, **data
            )
        except SERVICE_REFUSALS as refused:
            _refused(refused)
        body = SupplierItemOutSerializer(queries.supplier_item_read(item)).data
        return Response(body, status=status.HTTP_201_CREATED)


class PurchaseOrderListCreateView(StaffView):
    """Purchase orders, newest first (filter by status, supplier, SKU, origin), and
    drafting a new one."""

    serializer_class = PurchaseOrderOutSerializer
    permissions = {
        "GET": ("purchasing.view_purchaseorder",),
        "POST": ("purchasing.add_purchaseorder",),
    }

    @extend_schema(
        parameters=[PurchaseOrderQuerySerializer],
        responses={200: PurchaseOrderOutSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = PurchaseOrderQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(queries.purchase_orders(**query.validated_data))
        assert page is not None
        context = {"skus": queries.skus_of_orders(page)}
        body = PurchaseOrderOutSerializer(page, many=True, context=context).data
        return self.get_paginated_response(body)

    @extend_schema(
        request=PurchaseOrderCreateSerializer,
        responses={201: PurchaseOrderOutSerializer, **ERRORS, **REFUSALS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = PurchaseOrderCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        problems: dict[str, list[str]] = {}
        supplier = queries.supplier_by_code(data["supplier"])
        if supplier is None:
            problems["supplier"] = [f"There is no supplier “{data['supplier']}”."]
        warehouse = warehouse_by_code(data["warehouse"])
        if warehouse is None:
            problems["warehouse"] = [f"There is no warehouse “{data['warehouse']}”."]
        products = queries.products_by_sku(line["sku"] for line in data["lines"])
        for index, line in enumerate(data["lines"]):
            if line["sku"].strip().upper() not in products:
                problems[f"lines[{index}].sku"] = [f"No product has the SKU “{line['sku']}”."]
        if problems:
            raise exceptions.ValidationError(problems)
        assert supplier is not None and warehouse is not None
        try:
            order = services.purchase_order_create(
                user=request.user,
                supplier=supplier,
                warehouse=warehouse,
                lines=[
                    services.PurchaseLineRequest(
                        product=products[line["sku"].strip().upper()],
                        quantity=line["quantity"],
                        unit_cost=line.get("unit_cost"),
                    )
                    for line in data["lines"]
                ],
                expected_date=data.get("expected_date"),
                notes=data["notes"],
                round_to_pack=data["round_to_pack"],
            )
        except SERVICE_REFUSALS as refused:
            _refused(refused)
        body = PurchaseOrderOutSerializer(queries.purchase_order_read(order)).data
        return Response(body, status=status.HTTP_201_CREATED)


class PurchaseOrderDetailView(StaffView):
    serializer_class = PurchaseOrderOutSerializer
    queryset = PurchaseOrder.objects.none()
    lookup_field = "number"
    permissions = {"GET": ("purchasing.view_purchaseorder",)}

    @extend_schema(responses={200: PurchaseOrderOutSerializer, **ERRORS})
    def get(self, request: Request, number: str, *args: Any, **kwargs: Any) -> Response:
        order = _order_or_404(number, body=True)
        return Response(PurchaseOrderOutSerializer(order).data)


class PurchaseOrderSendView(StaffView):
    """Send a draft to the supplier: its PDF is e-mailed once, after commit."""

    serializer_class = PurchaseOrderOutSerializer
    queryset = PurchaseOrder.objects.none()
    lookup_field = "number"
    permissions = {"POST": ("purchasing.change_purchaseorder",)}

    @extend_schema(request=None, responses={200: PurchaseOrderOutSerializer, **ERRORS, **REFUSALS})
    def post(self, request: Request, number: str, *args: Any, **kwargs: Any) -> Response:
        order = _order_or_404(number)
        try:
            services.purchase_order_send(user=request.user, order=order)
        except SERVICE_REFUSALS as refused:
            _refused(refused)
        return Response(PurchaseOrderOutSerializer(queries.purchase_order_read(order)).data)


class PurchaseOrderCancelView(StaffView):
    """Cancel a draft or sent order on which nothing has arrived."""

    serializer_class = PurchaseOrderOutSerializer
    queryset = PurchaseOrder.objects.none()
    lookup_field = "number"
    permissions = {"POST": ("purchasing.change_purchaseorder",)}

    @extend_schema(request=None, responses={200: PurchaseOrderOutSerializer, **ERRORS, **REFUSALS})
    def post(self, request: Request, number: str, *args: Any, **kwargs: Any) -> Response:
        order = _order_or_404(number)
        try:
            services.purchase_order_cancel(
                user=request.user, order=order, reason="cancelled through the API"
            )
        except SERVICE_REFUSALS as refused:
            _refused(refused)
        return Response(PurchaseOrderOutSerializer(queries.purchase_order_read(order)).data)


def _lines_on_order(order: PurchaseOrder, lines: list[dict[str, Any]]) -> list[Any]:
    """The order's line for each requested SKU; a SKU not on the order is 400."""
    on_order = queries.order_lines_by_sku(order)
    problems = {
        f"lines[{index}].sku": [f"Purchase order {order.number} has no line with this SKU."]
        for index, line in enumerate(lines)
        if line["sku"].strip().upper() not in on_order
    }
    if problems:
        raise ApiError(
            "Some SKUs are not on this purchase order; see fields.",
            code="invalid",
            fields=problems,
        )
    return [on_order[line["sku"].strip().upper()] for line in lines]


class ReceiptCreateView(StaffView):
    """Goods arrived against a purchase order, with the freight, duty or insurance paid
    to bring them in (spread over the lines and into their stock cost)."""

    serializer_class = PurchaseReceiptCreateSerializer
    queryset = PurchaseOrder.objects.none()
    lookup_field = "number"
    permissions = {"POST": ("purchasing.add_receipt",)}

    @extend_schema(
        request=PurchaseReceiptCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: PurchaseReceiptOutSerializer, **ERRORS, **REFUSALS},
    )
    def post(self, request: Request, number: str, *args: Any, **kwargs: Any) -> Response:
        key = parse_idempotency_key(request, required=False)
        order = _order_or_404(number)
        incoming = PurchaseReceiptCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        quantities: dict[int, int] = {}
        products: dict[int, Any] = {}
        for line, order_line in zip(
            data["lines"], _lines_on_order(order, data["lines"]), strict=True
        ):
            products[order_line.product_id] = order_line.product
            quantities[order_line.product_id] = (
                quantities.get(order_line.product_id, 0) + line["quantity"]
            )

        replayed_by_service = False

        def receive() -> dict[str, Any]:
            nonlocal replayed_by_service
            receipt = services.purchase_order_receive(
                user=request.user,
                order=order,
                lines=[
                    services.ReceiptLineRequest(product=products[pk], quantity=quantity)
                    for pk, quantity in quantities.items()
                ],
                charges=[
                    services.ChargeRequest(kind=charge["kind"], amount=charge["amount"])
                    for charge in data["charges"]
                ],
                basis=data["basis"],
                idempotency_key=key or "",
            )
            # the key was used on this order by another client: the first receipt
            replayed_by_service = getattr(receipt, "_replayed", False)
            return dict(PurchaseReceiptOutSerializer(receipt).data)

        try:
            if key is None:
                return Response(receive(), status=status.HTTP_201_CREATED)
            answer, created = idempotent_request(
                user=request.user,
                scope=f"purchasing.receipt:{order.number}",
                key=key,
                fingerprint=request_fingerprint(request.data),
                perform=receive,
            )
        except IdempotencyConflict as conflict:
            raise Unprocessable(str(conflict), code="idempotency_key_reused") from conflict
        except SERVICE_REFUSALS as refused:
            _refused(refused)
        response = Response(answer, status=status.HTTP_201_CREATED)
        if not created or replayed_by_service:
            response["Idempotent-Replayed"] = "true"
        return response


class SupplierBillCreateView(StaffView):
    """The supplier's bill for a purchase order, matched three ways (order, receipts,
    bill): within the tolerances it is posted (``matched``), otherwise ``on_hold`` with
    the reasons until Accounting or a Manager approves it."""

    serializer_class = SupplierBillCreateSerializer
    queryset = PurchaseOrder.objects.none()
    lookup_field = "number"
    permissions = {"POST": ("purchasing.add_supplierbill",)}

    @extend_schema(
        request=SupplierBillCreateSerializer,
        responses={201: SupplierBillOutSerializer, **ERRORS, **REFUSALS},
    )
    def post(self, request: Request, number: str, *args: Any, **kwargs: Any) -> Response:
        order = _order_or_404(number)
        incoming = SupplierBillCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        order_lines = _lines_on_order(order, data["lines"])
        try:
            bill = services.supplier_bill_enter(
                user=request.user,
                order=order,
                supplier_reference=data["supplier_reference"],
                bill_date=data["bill_date"],
                lines=[
                    services.BillLineRequest(
                        product=order_line.product,
                        quantity=line["quantity"],
                        unit_cost=line["unit_cost"],
                        tax_rate=line.get("tax_rate"),
                    )
                    for line, order_line in zip(data["lines"], order_lines, strict=True)
                ],
            )
        except SERVICE_REFUSALS as refused:
            _refused(refused)
        return Response(SupplierBillOutSerializer(bill).data, status=status.HTTP_201_CREATED)
