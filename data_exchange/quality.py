"""The data-quality report: what in the catalogue, the customers and the stock
needs a person's attention, check by check, each with a count and its records.

Invariants:

- every check is a constant number of queries whatever the size of the data (SQL
  ``EXISTS``, ``GROUP BY`` and window functions; no Python loop over every row), so
  the report stays quick on 100,000 products; the look-alike customers, companies and
  suppliers are the one exception to "no Python loop": their names are compared by
  ``data_exchange.duplicates`` (read in bulk, compared in blocks), as the importers do;
- a check finds exactly the records its rule names, the rule written once: the product
  checks are queryset filters (``Check.failing``) that the product admin's "data
  quality" list filter applies too, so its changelist shows exactly the records counted;
- the barcode and SKU rules are those of :mod:`inventory.product_codes`; the barcode
  check digit is also computed in SQL (:data:`BARCODE_IS_VALID_SQL`), and a test
  holds it equal to ``barcode_is_valid`` over many codes;
- nothing here writes; reading the report needs ``data_exchange.view_data_quality``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Window,
)
from django.db.models.functions import Coalesce, Length
from django.urls import NoReverseMatch, reverse
from oscar.core.loading import get_model

from crm.models import PriceListItem
from data_exchange.duplicates import (
    DuplicatePair,
    company_duplicate_pairs,
    customer_duplicate_pairs,
    supplier_duplicate_pairs,
)
from erp.permissions import permission_require
from inventory.models import ProductCost, ProductSpecification, SkuRepair, Stock, StockMove
from inventory.product_codes import SKU_MAX_LENGTH, SKU_PATTERN, CodeError, barcode_clean, sku_clean

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")

#: the permission the page, the CSV and the command's service call need
PERMISSION = "data_exchange.view_data_quality"
#: records a check's page lists; the CSV has them all
DISPLAY_LIMIT = 500
#: the product admin's list filter reads the check's code from this parameter
FILTER_PARAMETER = "data_quality"
CSV_HEADER = ("check", "record type", "id", "identifier", "name", "problem")

PRODUCT, LISTING, STOCK_ROW, PRICE_LIST_ITEM = "product", "listing", "stock row", "price-list item"

# --- barcodes in SQL ------------------------------------------------------------

#: ``normalise_barcode`` in SQL: blanks and hyphens between the groups go
NORMALISED_BARCODE_SQL = "regexp_replace({code}, '[[:space:]-]+', '', 'g')"


def _check_digit_sum_is_right(digits: str) -> str:
    """SQL: the EAN weighted sum of ``digits`` (13 of them; a shorter code is padded
    with leading zeros, which add nothing) ends in 0. Written out position by position:
    one scalar expression a row, no set-returning function."""
    terms = " + ".join(
        f"{3 if position % 2 == 0 else 1} * substr({digits}, {position}, 1)::int"
        for position in range(1, 14)
    )
    return f"mod({terms}, 10) = 0"


#: ``barcode_is_valid`` in SQL: 8, 12 or 13 digits after normalising and a right check
#: digit. Stored barcodes are nearly always digits already: those take the quick
#: branches; only a code holding other characters is normalised first. (CASE, not AND:
#: PostgreSQL may evaluate AND's operands in any order, and the sum of a code that is
#: not digits would fail.)
BARCODE_IS_VALID_SQL = (
    "(CASE WHEN {code} ~ '^[0-9]{{13}}$' THEN "  # noqa: S608 (constants, no input)
    + _check_digit_sum_is_right("{code}")
    + " WHEN {code} ~ '^([0-9]{{8}}|[0-9]{{12}})$' THEN "
    + _check_digit_sum_is_right("lpad({code}, 13, '0')")
    + " WHEN {code} ~ '[^0-9]' THEN (SELECT CASE"
    " WHEN normalised.code ~ '^([0-9]{{8}}|[0-9]{{12,13}})$' THEN "
    + _check_digit_sum_is_right("lpad(normalised.code, 13, '0')")
    + " ELSE false END FROM (SELECT "
    + NORMALISED_BARCODE_SQL
    + " AS code) AS normalised) ELSE false END)"
)


class NormalisedBarcode(Func):
    template = NORMALISED_BARCODE_SQL.format(code="%(expressions)s")
    output_field = TextField()


class BarcodeIsValid(Func):
    """Whether the barcode column keeps the rule; the template names the column more
    than once, so it takes a plain column (no query parameters)."""

    template = BARCODE_IS_VALID_SQL.format(code="%(expressions)s")
    output_field = BooleanField()


# --- the records a check finds ------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One record with one problem: a row of the CSV and of a check's page."""

    check: str
    record_type: str
    record_id: int
    identifier: str
    name: str
    problem: str
    #: the admin page to fix it: (URL name, object id), or ("", 0) for none
    link: tuple[str, int] = ("", 0)

    @property
    def admin_url(self) -> str:
        name, pk = self.link
        if not name:
            return ""
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            return ""

    def as_row(self) -> tuple[str, str, int, str, str, str]:
        return (
            self.check,
            self.record_type,
            self.record_id,
            self.identifier,
            self.name,
            self.problem,
        )


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    record_type: str
    advice: str
    count: Callable[[], int]
    #: the records, the first ``limit`` of them (``None``: every one), in a stable order
    findings: Callable[[int | None], Iterable[Finding]]
    #: products only: the filter its records are those of (the product admin applies it)
    failing: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    #: the admin changelist whose "data quality" filter shows the same records
    changelist: str = ""

    @property
    def changelist_url(self) -> str:
        if not self.changelist:
            return ""
        return f"{reverse(self.changelist)}?{FILTER_PARAMETER}={self.code}"


def _limited(queryset: QuerySet[Any], limit: int | None) -> Iterable[Any]:
    if limit is None:
        return queryset.iterator(chunk_size=5000)
    return queryset[:limit]


# --- products -------------------------------------------------------------------------


def _not_parent() -> Q:
    return ~Q(structure=Product.PARENT)


def _has_row(model: Any, field: str = "product", **conditions: Any) -> Exists:
    return Exists(model.objects.filter(**{field: OuterRef("pk")}, **conditions))


def _owner_has_row(model: Any) -> Exists:
    """A row of ``model`` for the product, or for a variant its parent (a variant is in
    its parent's categories, and shows its parent's images when it has none)."""
    owner = Coalesce(OuterRef("parent_id"), OuterRef("pk"))
    return Exists(model.objects.filter(product=owner))


def products_without_cost(products: QuerySet[Any]) -> QuerySet[Any]:
    return products.filter(
        _not_parent(),
        ~_has_row(ProductSpecification, standard_cost__isnull=False),
        ~_has_row(ProductCost, quantity__gt=0),
    )


def products_without_barcode(products: QuerySet[Any]) -> QuerySet[Any]:
    return products.filter(_not_parent()).filter(Q(upc__isnull=True) | Q(upc=""))


def products_without_category(products: QuerySet[Any]) -> QuerySet[Any]:
    return products.filter(~_owner_has_row(ProductCategory))


def products_without_weight(products: QuerySet[Any]) -> QuerySet[Any]:
    return products.filter(_not_parent(), ~_has_row(ProductSpecification, weight_kg__isnull=False))


def products_without_image(products: QuerySet[Any]) -> QuerySet[Any]:
    return products.filter(~_has_row(ProductImage), ~_owner_has_row(ProductImage))


def products_with_invalid_barcode(products: QuerySet[Any]) -> QuerySet[Any]:
    return (
        products.exclude(upc__isnull=True)
        .exclude(upc="")
        .alias(barcode_is_valid=BarcodeIsValid(F("upc")))
        .filter(barcode_is_valid=False)
    )


def _barcodes_shared() -> QuerySet[Any]:
    """Every product with a barcode another product has too, once normalised: one
    sort of the products with a barcode, whatever their number."""
    return (
        Product.objects.exclude(upc__isnull=True)
        .exclude(upc="")
        .annotate(barcode=NormalisedBarcode(F("upc")))
        .annotate(copies=Window(Count("pk"), partition_by=[F("barcode")]))
        .filter(copies__gt=1)
    )


def products_with_duplicate_barcode(products: QuerySet[Any]) -> QuerySet[Any]:
    """Products whose barcode, normalised, another product has too ("4006381333931"
    and "400638 1333931"); ``upc`` is unique, so only such pairs can exist."""
    return products.filter(pk__in=_barcodes_shared().values("pk"))


def _duplicates_with_their_group() -> QuerySet[Any]:
    # the window runs over the duplicates only (it comes after the WHERE), so each
    # row's group is exactly the products sharing its barcode
    barcode = NormalisedBarcode(F("upc"))
    return products_with_duplicate_barcode(Product.objects.all()).annotate(
        barcode=barcode, same_barcode=Window(ArrayAgg("pk"), partition_by=[barcode])
    )


def _first_sku() -> Subquery:
    return _first_sku_of("pk")


def _product_finding(check: str, row: dict[str, Any], problem: str) -> Finding:
    return Finding(
        check=check,
        record_type=PRODUCT,
        record_id=row["pk"],
        identifier=row["sku"] or row["upc"] or f"product {row['pk']}",
        name=row["title"],
        problem=problem,
        link=("admin:catalogue_product_change", row["pk"]),
    )


def _product_check(
    code: str,
    title: str,
    advice: str,
    failing: Callable[[QuerySet[Any]], QuerySet[Any]],
    problem: Callable[[dict[str, Any]], str],
    *,
    rows: Callable[[], QuerySet[Any]] | None = None,
    extra_fields: tuple[str, ...] = (),
    ordering: tuple[str, ...] = ("pk",),
) -> Check:
    """``rows``: the products ``failing`` finds, read with what the problem names
    (default: ``failing`` itself)."""

    def findings(limit: int | None) -> Iterator[Finding]:
        found = rows() if rows else failing(Product.objects.all())
        fields = ("pk", "title", "upc", "sku", "parent_id", *extra_fields)
        values = found.annotate(sku=_first_sku()).order_by(*ordering).values(*fields)
        for row in _limited(values, limit):
            yield _product_finding(code, row, problem(row))

    return Check(
        code=code,
        title=title,
        record_type=PRODUCT,
        advice=advice,
        count=lambda: failing(Product.objects.all()).count(),
        findings=findings,
        failing=failing,
        changelist="admin:catalogue_product_changelist",
    )


def _invalid_barcode_problem(row: dict[str, Any]) -> str:
    try:
        barcode_clean(row["upc"])
    except CodeError as wrong:
        return str(wrong)
    return f"Barcode {row['upc']!r} is not stored as digits only."  # pragma: no cover


def _duplicate_barcode_problem(row: dict[str, Any]) -> str:
    others = ", ".join(str(pk) for pk in sorted(row["same_barcode"]) if pk != row["pk"])
    return f"Barcode {row['barcode']} (stored as “{row['upc']}”) is also on product {others}."


PRODUCT_CHECKS = (
    _product_check(
        "products-without-cost",
        "Products without cost",
        "Give the product a standard cost (its specification), or receive stock at a cost.",
        products_without_cost,
        lambda row: "No standard cost and no stock on hand at a moving-average cost.",
    ),
    _product_check(
        "products-without-barcode",
        "Products without barcode",
        "Enter the EAN/UPC on the product page.",
        products_without_barcode,
        lambda row: "No barcode (EAN-13, UPC-A or EAN-8).",
    ),
    _product_check(
        "products-without-category",
        "Products without category",
        "Put the product (or the parent of a variant) in a category.",
        products_without_category,
        lambda row: (
            "Its parent product is in no category." if row["parent_id"] else "In no category."
        ),
    ),
    _product_check(
        "products-without-weight",
        "Products without weight",
        "Enter the weight of one packed unit in the product's specification.",
        products_without_weight,
        lambda row: "No weight.",
    ),
    _product_check(
        "products-without-image",
        "Products without image",
        "Add an image on the product page.",
        products_without_image,
        lambda row: "No image (nor one of its parent product).",
    ),
    _product_check(
        "invalid-barcodes",
        "Invalid barcodes",
        "Correct the barcode: an EAN-13, UPC-A or EAN-8 with its right check digit.",
        products_with_invalid_barcode,
        _invalid_barcode_problem,
    ),
    _product_check(
        "duplicate-barcodes",
        "Duplicate barcodes",
        "A barcode belongs to one product: keep it on the right one, remove it from the other.",
        products_with_duplicate_barcode,
        _duplicate_barcode_problem,
        rows=_duplicates_with_their_group,
        extra_fields=("barcode", "same_barcode"),
        ordering=("barcode", "pk"),
    ),
)


# --- SKUs ------------------------------------------------------------------------------


def listings_breaking_sku_policy() -> QuerySet[Any]:
    """Listings whose SKU is not in the policy's normal form (``sku_is_normal``); the
    database's CHECK keeps new ones out, so these can only be rows from before it."""
    return StockRecord.objects.alias(sku_length=Length("partner_sku")).exclude(
        Q(partner_sku__regex=SKU_PATTERN) & Q(sku_length__lte=SKU_MAX_LENGTH)
    )


def unresolved_sku_repairs() -> QuerySet[Any]:
    """SKUs the SKU-policy migration renamed whose listing still carries the name it
    was given: nobody has chosen the real SKU yet."""
    return SkuRepair.objects.filter(stock_record__partner_sku=F("assigned_sku"))


def _sku_problem(sku: str) -> str:
    try:
        normal = sku_clean(sku)
    except CodeError as wrong:
        return str(wrong)
    return f"SKU “{sku}” is not in its normal form “{normal}”."


def _sku_findings(limit: int | None) -> Iterator[Finding]:
    code = "sku-policy"
    listings = listings_breaking_sku_policy().order_by("pk")
    shown = 0
    for row in _limited(listings.values("pk", "partner_sku", "product__title"), limit):
        shown += 1
        yield Finding(
            code,
            LISTING,
            row["pk"],
            row["partner_sku"],
            row["product__title"],
            _sku_problem(row["partner_sku"]),
            ("admin:partner_stockrecord_change", row["pk"]),
        )
    if limit is not None and shown >= limit:
        return
    repairs = unresolved_sku_repairs().order_by("pk")
    fields = ("stock_record_id", "original_sku", "assigned_sku", "reason")
    rows = repairs.values(*fields, title=F("stock_record__product__title"))
    for row in _limited(rows, None if limit is None else limit - shown):
        reason = SkuRepair.Reason(row["reason"]).label.lower()
        yield Finding(
            code,
            LISTING,
            row["stock_record_id"],
            row["assigned_sku"],
            row["title"],
            f"Renamed from “{row['original_sku']}” when SKUs were cleaned up ({reason}); "
            "choose the real SKU.",
            ("admin:partner_stockrecord_change", row["stock_record_id"]),
        )


SKU_CHECK = Check(
    code="sku-policy",
    title="SKUs that break the policy",
    record_type=LISTING,
    advice="Choose the listing's real SKU (upper case, letters, digits and - . /) and save it.",
    count=lambda: listings_breaking_sku_policy().count() + unresolved_sku_repairs().count(),
    findings=_sku_findings,
)


# --- stock and prices ------------------------------------------------------------------


def stock_rows_without_moves() -> QuerySet[Any]:
    return Stock.objects.filter(~Exists(StockMove.objects.filter(stock=OuterRef("pk"))))


def _stock_findings(limit: int | None) -> Iterator[Finding]:
    rows = stock_rows_without_moves().order_by("pk")
    fields = ("pk", "on_hand", "product__title", "warehouse__code")
    for row in _limited(rows.values(*fields, sku=_first_sku_of("product")), limit):
        on_hand = row["on_hand"]
        yield Finding(
            "stock-without-moves",
            STOCK_ROW,
            row["pk"],
            f"{row['sku'] or row['product__title']} in {row['warehouse__code']}",
            row["product__title"],
            f"No stock moves, yet {on_hand} on hand." if on_hand else "No stock moves.",
            ("admin:inventory_stock_change", row["pk"]),
        )


def _first_sku_of(product_field: str) -> Subquery:
    listings = StockRecord.objects.filter(product=OuterRef(product_field)).order_by("pk")
    return Subquery(listings.values("partner_sku")[:1])


STOCK_CHECK = Check(
    code="stock-without-moves",
    title="Stock rows with no moves",
    record_type=STOCK_ROW,
    advice="Every change of stock is a move: count the row (a stock count) to give it one.",
    count=lambda: stock_rows_without_moves().count(),
    findings=_stock_findings,
)


def price_list_items_of_inactive_products() -> QuerySet[Any]:
    return PriceListItem.objects.filter(product__is_public=False)


def _price_findings(limit: int | None) -> Iterator[Finding]:
    rows = price_list_items_of_inactive_products().order_by("price_list__name", "pk")
    fields = ("pk", "price_list_id", "price_list__name", "product__title", "min_quantity")
    for row in _limited(rows.values(*fields, sku=_first_sku_of("product")), limit):
        yield Finding(
            "prices-of-inactive-products",
            PRICE_LIST_ITEM,
            row["pk"],
            f"{row['price_list__name']}: {row['sku'] or row['product__title']}",
            row["product__title"],
            f"Price from {row['min_quantity']} for a product the shop does not show.",
            ("admin:crm_pricelist_change", row["price_list_id"]),
        )


PRICE_CHECK = Check(
    code="prices-of-inactive-products",
    title="Price-list items of inactive products",
    record_type=PRICE_LIST_ITEM,
    advice="Remove the item from the price list, or make the product active again.",
    count=lambda: price_list_items_of_inactive_products().count(),
    findings=_price_findings,
)


# --- customers, companies and suppliers that look like one ---------------------------


def _duplicate_check(
    code: str,
    title: str,
    record_type: str,
    admin_change: str,
    pairs: Callable[[], list[DuplicatePair]],
) -> Check:
    """One finding a pair: the older record (lower id), the newer named in the problem.
    The pairs come from ``data_exchange.duplicates`` (the importers' rules), read in
    bulk and compared in blocks."""

    def findings(limit: int | None) -> Iterator[Finding]:
        for pair in pairs()[:limit]:
            first, second = pair.first, pair.second
            yield Finding(
                code,
                record_type,
                first.pk or 0,
                first.label,
                first.name,
                f"Looks like {record_type} {second.pk} “{second.label}”: "
                f"{', '.join(pair.evidence)}.",
                (admin_change, first.pk or 0),
            )

    return Check(
        code=code,
        title=title,
        record_type=record_type,
        advice=f"Open both and keep one {record_type}: correct or remove the other.",
        count=lambda: len(pairs()),
        findings=findings,
    )


DUPLICATE_CHECKS = (
    _duplicate_check(
        "duplicate-companies",
        "Companies that look like duplicates",
        "company",
        "admin:crm_company_change",
        company_duplicate_pairs,
    ),
    _duplicate_check(
        "duplicate-customers",
        "Customers that look like duplicates",
        "customer",
        "admin:auth_user_change",
        customer_duplicate_pairs,
    ),
    _duplicate_check(
        "duplicate-suppliers",
        "Suppliers that look like duplicates",
        "supplier",
        "admin:purchasing_supplier_change",
        supplier_duplicate_pairs,
    ),
)


# --- the report -------------------------------------------------------------------------

CHECKS: dict[str, Check] = {
    check.code: check
    for check in (*PRODUCT_CHECKS, SKU_CHECK, *DUPLICATE_CHECKS, STOCK_CHECK, PRICE_CHECK)
}


@dataclass(frozen=True)
class CheckCount:
    check: Check
    count: int


def quality_check_get(code: str) -> Check | None:
    return CHECKS.get(code)


def quality_summary(*, user: Any) -> list[CheckCount]:
    """Every check with its count (one query or two a check)."""
    permission_require(user, PERMISSION, doing="see the data-quality report")
    return [CheckCount(check, check.count()) for check in CHECKS.values()]


def quality_findings(
    *, user: Any, check: Check, limit: int | None = DISPLAY_LIMIT
) -> list[Finding]:
    """The first ``limit`` records one check finds (``None``: all of them)."""
    permission_require(user, PERMISSION, doing="see the data-quality report")
    return list(check.findings(limit))


def quality_csv_rows(
    *, user: Any, checks: Iterable[Check] | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every record of every check (or of ``checks``) as CSV rows, header first; the
    permission is checked now, the rows are read as they are consumed."""
    permission_require(user, PERMISSION, doing="download the data-quality report")
    chosen = list(CHECKS.values() if checks is None else checks)

    def rows() -> Iterator[tuple[Any, ...]]:
        yield CSV_HEADER
        for check in chosen:
            for finding in check.findings(None):
                yield finding.as_row()

    return rows()


def product_filter(products: QuerySet[Any], code: str) -> QuerySet[Any]:
    """The product admin's "data quality" filter: the products one check finds."""
    check = CHECKS.get(code)
    if check is None or check.failing is None:
        return products
    return check.failing(products)


PRODUCT_FILTER_CHOICES = tuple((check.code, check.title) for check in PRODUCT_CHECKS)
