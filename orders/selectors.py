"""Reads of the order app: what each line has shipped, pick lists, customer views."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from oscar.core.loading import get_model

from erp.db.evaluated import as_evaluated
from erp.db.raw_select import Joined, column, table
from inventory import selectors as inventory_selectors
from orders import statuses
from orders.models import Carrier, ReturnLine, ReturnRequest, Shipment, ShipmentLine

Order = get_model("order", "Order")
Line = get_model("order", "Line")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
BasketLineAttribute = get_model("basket", "LineAttribute")

_LISTING = Joined(
    (
        (StockRecord, "sr"),
        (Product, "p"),
        (ProductClass, "pc"),
        (Product, "pp"),
        (ProductClass, "ppc"),
        (Partner, "pa"),
    )
)


@cache
def _listings_sql() -> str:
    return (
        f"SELECT {_LISTING.columns} "  # noqa: S608
        f"FROM {table(StockRecord)} sr "
        f"JOIN {table(Product)} p ON p.id = sr.product_id "
        f"LEFT JOIN {table(ProductClass)} pc ON pc.id = p.product_class_id "
        f"LEFT JOIN {table(Product)} pp ON pp.id = p.parent_id "
        f"LEFT JOIN {table(ProductClass)} ppc ON ppc.id = pp.product_class_id "
        f"JOIN {table(Partner)} pa ON pa.id = sr.partner_id "
        "WHERE sr.partner_sku = ANY(%s) AND p.is_public"
    )


def public_listings_by_sku(skus: list[str]) -> list[Any]:
    """Stock records with these exact SKUs of public products, with product,
    product class, parent (and its class) and partner: all that pricing and
    placement read. The API's order endpoint runs this on every order, so it is
    one hand-written SELECT (``erp.db.raw_select``)."""
    records = []
    for (record, product, product_class, parent, parent_class, partner), _ in _LISTING.fetch(
        _listings_sql(), [sorted(set(skus))]
    ):
        product.product_class, product.parent = product_class, parent
        if parent is not None:
            parent.product_class = parent_class
        record.product, record.partner = product, partner
        records.append(record)
    return records


_LINES = Joined(
    (
        (BasketLine, "l"),
        (Product, "p"),
        (ProductClass, "pc"),
        (StockRecord, "sr"),
        (Partner, "pa"),
    )
)


@cache
def _lines_sql() -> str:
    through = Basket.vouchers.through
    return (
        f"SELECT {_LINES.columns}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {table(BasketLineAttribute)} a"
        f" WHERE a.{column(BasketLineAttribute, 'line')} = l.id), "
        f"EXISTS (SELECT 1 FROM {table(through)} v"
        f" WHERE v.{column(through, 'basket')} = l.basket_id) "
        f"FROM {table(BasketLine)} l "
        f"JOIN {table(Product)} p ON p.id = l.product_id "
        f"LEFT JOIN {table(ProductClass)} pc ON pc.id = p.product_class_id "
        f"LEFT JOIN {table(StockRecord)} sr ON sr.id = l.stockrecord_id "
        f"LEFT JOIN {table(Partner)} pa ON pa.id = sr.partner_id "
        "WHERE l.basket_id = %s ORDER BY l.id"
    )


def basket_lines_for_placement(basket: Any) -> list[Any]:
    """The basket's lines with product, product class, stock record and partner,
    as ``select_related`` would load them, from one hand-written SELECT (order
    placement's hottest read, see ``erp.db.raw_select``). Each line knows whether
    it has options (``has_attributes``) and whether the basket holds vouchers
    (``basket_has_vouchers``)."""
    lines = []
    for (line, product, product_class, stockrecord, partner), extra in _LINES.fetch(
        _lines_sql(), [basket.pk], instance=basket
    ):
        product.product_class = product_class
        if stockrecord is not None:
            stockrecord.partner = partner
        line.product, line.stockrecord, line.basket = product, stockrecord, basket
        line.has_attributes, line.basket_has_vouchers = extra
        lines.append(line)
    return lines


@dataclass
class LineProgress:
    line: Any
    shipped: int = 0
    packed: int = 0  # in packed shipments not yet handed to a carrier
    returned: int = 0  # asked back in returns that were not rejected
    allocated: dict[int, int] = field(default_factory=dict)  # warehouse id -> open units

    @property
    def to_ship(self) -> int:
        return self.line.quantity - self.shipped

    @property
    def returnable(self) -> int:
        return self.shipped - self.returned


def line_progress(order: Any) -> list[LineProgress]:
    """Ordered, packed, shipped and returned quantities for every line; 4 queries."""
    lines = list(order.lines.select_related("product").order_by("pk"))
    progress = {line.pk: LineProgress(line) for line in lines}
    shipped = (
        ShipmentLine.objects.filter(order_line__order=order)
        .values("order_line_id", "shipment__status")
        .annotate(total=Sum("quantity"))
    )
    for row in shipped:
        entry = progress[row["order_line_id"]]
        if row["shipment__status"] == Shipment.Status.PACKED:
            entry.packed += row["total"]
        else:
            entry.shipped += row["total"]
    returned = (
        ReturnLine.objects.filter(order_line__order=order)
        .exclude(return_request__status=ReturnRequest.Status.REJECTED)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
    )
    for line_id, total in returned.values_list("order_line_id", "total"):
        progress[line_id].returned += total
    for (line_id, warehouse_id), units in inventory_selectors.open_allocations(progress).items():
        progress[line_id].allocated[warehouse_id] = units
    return list(progress.values())


def packed_by_line_and_warehouse(order: Any) -> dict[tuple[int, int], int]:
    """Units in parcels packed but not yet shipped, by (order line id, warehouse id)."""
    rows = (
        ShipmentLine.objects.filter(shipment__order=order, shipment__status=Shipment.Status.PACKED)
        .values("order_line_id", "shipment__warehouse_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "shipment__warehouse_id", "total")
    )
    return {(line_id, warehouse_id): total for line_id, warehouse_id, total in rows}


@dataclass
class PickLine:
    order_number: str
    order_status: str
    sku: str
    title: str
    upc: str
    quantity: int


def pick_list(warehouse: Any) -> list[PickLine]:
    """Everything to pick in a warehouse: open allocations of orders being fulfilled."""
    from inventory.models import Allocation

    allocations = (
        Allocation.objects.filter(
            stock__warehouse=warehouse,
            quantity__gt=0,
            order_line__order__status__in=statuses.FULFILLABLE,
        )
        .select_related("order_line__order", "order_line__product")
        .order_by("order_line__order__date_placed", "order_line__order__number", "order_line_id")
    )
    packed: dict[int, int] = defaultdict(int)
    for row in (
        ShipmentLine.objects.filter(
            shipment__warehouse=warehouse, shipment__status=Shipment.Status.PACKED
        )
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
    ):
        packed[row["order_line_id"]] = row["total"]
    result = []
    for allocation in allocations:
        line = allocation.order_line
        remaining = allocation.quantity - packed.pop(line.pk, 0)
        if remaining > 0:
            result.append(
                PickLine(
                    order_number=line.order.number,
                    order_status=line.order.status,
                    sku=line.partner_sku,
                    title=line.title,
                    upc=line.upc or "",
                    quantity=remaining,
                )
            )
    return result


def customer_orders(user: Any) -> QuerySet[Any]:
    return Order.objects.filter(user=user).order_by("-date_placed")


def order_shipments(order: Any) -> QuerySet[Shipment]:
    return (
        Shipment.objects.filter(order=order)
        .exclude(status=Shipment.Status.PACKED)
        .select_related("carrier")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line"))
        )
        .order_by("shipped_at", "pk")
    )


def order_returns(order: Any) -> QuerySet[ReturnRequest]:
    return (
        ReturnRequest.objects.filter(order=order)
        .prefetch_related(
            Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line"))
        )
        .order_by("requested_at")
    )


def api_order_just_placed(order: Any) -> Any:
    """An order this request has just placed, ready for ``OrderOutSerializer`` from
    what placement wrote (its lines, no shipments yet): no query. Amounts are
    rounded by the serializer exactly as the database rounds them."""
    order._prefetched_objects_cache = {
        "lines": as_evaluated(Line.objects.filter(order=order).order_by("pk"), order.placed_lines),
        "shipments": as_evaluated(Shipment.objects.none(), []),
    }
    return order


def api_orders(user: Any, *, status: str | None = None) -> QuerySet[Any]:
    """Orders an API caller may see, ready to serialise in a constant number of queries:
    staff with the order view permission see all, everyone else their own."""
    orders = Order.objects.all()
    if not (user.is_staff and user.has_perm("order.view_order")):
        orders = orders.filter(user=user)
    if status:
        orders = orders.filter(status=status)
    return (
        orders.select_related("shipping_address")
        .prefetch_related(
            Prefetch("lines", queryset=Line.objects.select_related("order").order_by("pk")),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("carrier", "warehouse")
                .prefetch_related(
                    Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line"))
                )
                .order_by("shipped_at", "pk"),
            ),
        )
        .order_by("-date_placed", "-pk")
    )


def returns_warehouse() -> Any | None:
    """Where customers send returns: ``RETURNS_WAREHOUSE`` when it is active and has
    an address, else the first active returns (non-sellable) warehouse with one,
    else any active warehouse with one; None when no warehouse has an address."""
    from django.conf import settings

    from inventory.models import Warehouse

    with_address = Warehouse.objects.filter(is_active=True).exclude(address="")
    configured = with_address.filter(code=settings.RETURNS_WAREHOUSE.strip().upper()).first()
    if configured is not None:
        return configured
    return (
        with_address.filter(is_sellable=False).first()
        or with_address.order_by("priority", "code").first()
    )


def returns_address_lines() -> list[str]:
    """The returns warehouse's address, one line per comma or line break; [] when
    no warehouse has one (``returns_warehouse``)."""
    warehouse = returns_warehouse()
    if warehouse is None:
        return []
    lines = warehouse.address.replace(",", "\n").splitlines()
    return [line.strip() for line in lines if line.strip()]


# --- the back office's home page ---------------------------------------------------


@dataclass(frozen=True)
class DaySales:
    day: date  # in the shop's time zone
    currency: str
    orders: int
    total: Decimal  # incl. tax


def daily_sales(*, start: date, end: date) -> list[DaySales]:
    """Orders placed per day (shop's time zone) and currency from ``start`` to
    ``end`` inclusive, cancelled ones left out; one query."""
    rows = (
        Order.objects.exclude(status=statuses.CANCELLED)
        .annotate(day=TruncDate("date_placed", tzinfo=timezone.get_current_timezone()))
        .filter(day__gte=start, day__lte=end)
        .values("day", "currency")
        .annotate(orders=Count("pk"), total=Sum("total_incl_tax"))
        .order_by("day", "currency")
    )
    return [DaySales(r["day"], r["currency"], r["orders"], r["total"]) for r in rows]


def orders_per_status(wanted: tuple[str, ...]) -> dict[str, int]:
    """How many orders are in each of the ``wanted`` statuses (0 when none); one query."""
    found = dict(
        Order.objects.filter(status__in=wanted)
        .values("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
        .order_by()
    )
    return {status: found.get(status, 0) for status in wanted}


def order_by_number(number: str) -> Any | None:
    """The order with this number, or None."""
    return Order.objects.filter(number=number).first()


def order_line_ids_by_sku(order: Any) -> dict[str, int]:
    """The order's line ids by their SKU, upper case (what scanners send varies)."""
    return {line.partner_sku.upper(): line.pk for line in order.lines.all()}


def active_carriers() -> QuerySet[Carrier]:
    return Carrier.objects.filter(is_active=True)


def active_carrier_by_code(code: str) -> Carrier | None:
    """The active carrier with this code (codes are stored lower case), or None."""
    return active_carriers().filter(code=code.lower()).first()


def customer_by_email(email: str) -> Any | None:
    """The account with this e-mail address, in any case, or None (a guest)."""
    return get_user_model().objects.filter(email__iexact=email).first()


def credit_controllers() -> list[str]:
    """E-mail addresses of active staff who may release a credit hold (superusers too)."""
    users = get_user_model().objects.with_perm(
        "crm.override_credit_hold", backend="django.contrib.auth.backends.ModelBackend"
    )
    emails = users.filter(is_staff=True).exclude(email="").values_list("email", flat=True)
    return sorted(set(emails))
