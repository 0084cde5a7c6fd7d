"""Shop endpoints: the catalogue with the caller's prices, and the caller's invoices.

Invariants:

- prices come from the storefront strategy (``orders.pricing``), the same
  code that prices the web pages and the basket: anonymous callers and consumers
  see the list price including tax, a B2B buyer the net price of their company's
  price list; a page of products is quoted in one go (no query per product);
- availability is inventory's available-to-promise, annotated on the page query;
- a product list page costs the same number of queries for 1 product as for 20;
- invoices are found through ``shop.account.selectors`` (the account pages' rule:
  a consumer's own, a B2B buyer's company's), so anyone else's is a 404;
- responses are ``Cache-Control: private`` (``shop.middleware.PrivateResponses``),
  invoice PDFs also ``no-store``, as on the account pages.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from oscar.core.loading import get_model
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounting.services import money
from erp.api.serializers import ErrorSerializer
from erp.sanitize import rich_text_clean
from inventory.product_codes import normalise_sku
from orders.pricing import Selector
from shop import selectors as shop_selectors
from shop.account import selectors as account_selectors
from shop.api.serializers import InvoiceSerializer, ProductQuerySerializer, ProductSerializer

Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")


# -- products -------------------------------------------------------------------


@dataclass(frozen=True)
class ProductOffer:
    """A product as one caller sees it: their price and what can be promised."""

    sku: str
    name: str
    description: str
    category: str | None
    price: dict[str, Any] | None
    price_includes_tax: bool
    available: int
    images: list[str]


def _categories_with_slug(slug: str) -> Any:
    """Public categories with this slug and all their subcategories; 400 when none."""
    roots = list(Category.objects.browsable().filter(slug=slug).values_list("path", flat=True))
    if not roots:
        raise exceptions.ValidationError({"category": [f"There is no category “{slug}”."]})
    within = Q()
    for path in roots:
        within |= Q(path__startswith=path)
    return Category.objects.filter(within)


def _offers(products: list[Any], request: Request) -> list[ProductOffer]:
    """Price a page of products for the caller in one go."""
    strategy: Any = Selector().strategy(user=request.user)
    strategy.prepare(products)
    offers = []
    for product in products:
        info = strategy.fetch_for_product(product)
        price = info.price
        is_net = bool(getattr(price, "is_net_display", False))
        amount: Decimal | None = None
        if price.exists:
            amount = price.excl_tax if is_net else price.incl_tax
        categories = product.api_categories
        offers.append(
            ProductOffer(
                sku=info.stockrecord.partner_sku,
                name=product.get_title(),
                # staff-typed HTML, cleaned as the product page shows it
                description=rich_text_clean(product.description),
                category=categories[0].slug if categories else None,
                price=(
                    {"amount": money(amount), "currency": price.currency}
                    if amount is not None
                    else None
                ),
                price_includes_tax=not is_net,
                available=max(int(product.available_to_promise), 0),
                images=[
                    request.build_absolute_uri(image.original.url)
                    for image in product.images.all()
                    if image.original
                ],
            )
        )
    return offers


class ProductListView(GenericAPIView):
    """Public products for sale, with the caller's price and availability."""

    permission_classes = [AllowAny]
    serializer_class = ProductSerializer
    pagination_class = PageNumberPagination

    @extend_schema(
        parameters=[ProductQuerySerializer],
        responses={200: ProductSerializer(many=True), 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filters = ProductQuerySerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        slug = filters.validated_data.get("category")
        products = shop_selectors.api_products(
            query=filters.validated_data.get("q", ""),
            categories=_categories_with_slug(slug) if slug else None,
        )
        page = self.paginate_queryset(products)
        assert page is not None
        offers = _offers(list(page), request)
        return self.get_paginated_response(ProductSerializer(offers, many=True).data)


class ProductDetailView(GenericAPIView):
    """One product by SKU (normalised: case, blanks and separators do not matter),
    with the caller's price."""

    permission_classes = [AllowAny]
    serializer_class = ProductSerializer

    @extend_schema(responses={200: ProductSerializer, 404: ErrorSerializer})
    def get(self, request: Request, sku: str, *args: Any, **kwargs: Any) -> Response:
        sku = normalise_sku(sku) or sku.strip()
        product = None
        if sku and "\x00" not in sku:
            product = (
                shop_selectors.api_products()
                .filter(Exists(StockRecord.objects.filter(product=OuterRef("pk"), partner_sku=sku)))
                .first()
            )
        if product is None:
            raise exceptions.NotFound(f"There is no product with SKU “{sku}”.")
        return Response(ProductSerializer(_offers([product], request)[0]).data)


# -- invoices -------------------------------------------------------------------


def _own_invoice(request: Request, number: str) -> Any:
    invoice = None
    if "\x00" not in number:
        invoice = account_selectors.customer_invoice(user=request.user, number=number)
    if invoice is None:
        raise exceptions.NotFound(f"There is no invoice {number} on your account.")
    return invoice


class InvoiceListView(GenericAPIView):
    """The caller's invoices and credit notes, newest first (a B2B buyer: the company's)."""

    permission_classes = [IsAuthenticated]
    serializer_class = InvoiceSerializer
    pagination_class = PageNumberPagination

    @extend_schema(responses={200: InvoiceSerializer(many=True), 401: ErrorSerializer})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invoices = account_selectors.customer_invoices_with_lines(user=request.user)
        page = self.paginate_queryset(invoices)
        assert page is not None
        return self.get_paginated_response(InvoiceSerializer(page, many=True).data)


class InvoiceDetailView(GenericAPIView):
    """One of the caller's invoices or credit notes; anyone else's is a 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = InvoiceSerializer

    @extend_schema(responses={200: InvoiceSerializer, 401: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request: Request, number: str, *args: Any, **kwargs: Any) -> Response:
        return Response(InvoiceSerializer(_own_invoice(request, number)).data)


class PdfRenderer(BaseRenderer):
    """Lets a client ask for ``Accept: application/pdf``; the view sends the bytes."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return data


class InvoicePdfView(GenericAPIView):
    """One of the caller's invoices as PDF, the document the account pages offer."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            (401, "application/json"): ErrorSerializer,
            (404, "application/json"): ErrorSerializer,
        },
    )
    def get(self, request: Request, number: str, *args: Any, **kwargs: Any) -> HttpResponse:
        from accounting.pdf import invoice_pdf

        invoice = _own_invoice(request, number)
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response

    def handle_exception(self, exc: Exception) -> Response:
        # errors are JSON in the one error shape, whatever the client accepts
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
