"""Order placement: Oscar's OrderCreator, with stock allocated by inventory.

Oscar's own ``place_order`` bumps ``num_allocated`` without checking anything,
which oversells under concurrency, and writes every line, price and voucher
row with its own round trip. This version keeps Oscar's models and its
discount and voucher handling, but:

- allocates the order's lines through ``inventory.services.stock_allocate``
  inside the order's transaction, after the order rows exist, so stock rows
  stay locked only for the last moments before commit; a shortage raises
  ``InsufficientStock`` and the whole order rolls back;
- inserts lines and line prices in bulk, and reads the basket's vouchers once;
- records the order's e-mails as side effects in the order's transaction (the
  confirmation for every order with an e-mail address, whatever the channel; the
  credit-hold alert for an order held), sent by a worker after commit.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from oscar.apps.order import utils
from oscar.apps.order.signals import order_placed
from oscar.core.loading import get_model

from erp.side_effects import side_effect_record
from inventory.services import StockAllocationRequest, stock_allocate
from orders import statuses
from orders.payment_gateways import PaymentMethod
from orders.services.credit import check_on_account_order
from orders.tasks import CREDIT_HOLD_ALERT_EMAIL, ORDER_CONFIRMATION

Line = get_model("order", "Line")
LinePrice = get_model("order", "LinePrice")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")


class OrderCreator(utils.OrderCreator):
    # Oscar's checkout may call place_order inside a transaction that goes on
    # after a failure; ``order_place_from_basket`` rolls its own back as a whole
    # and turns the savepoint off (two round trips fewer per order).
    savepoint = True

    def place_order(
        self,
        basket: Any,
        total: Any,
        shipping_method: Any,
        shipping_charge: Any,
        user: Any = None,
        shipping_address: Any = None,
        billing_address: Any = None,
        order_number: Any = None,
        status: str | None = None,
        request: Any = None,
        surcharges: Any = None,
        **kwargs: Any,
    ) -> Any:
        if basket.is_empty:
            raise ValueError(_("Empty baskets cannot be submitted"))
        order_number = order_number or OrderNumberGenerator().order_number(basket)
        status = status or getattr(settings, "OSCAR_INITIAL_ORDER_STATUS", None)
        basket_lines = list(basket.all_lines())
        try:
            with transaction.atomic(savepoint=self.savepoint):
                if kwargs.get("payment_method") == PaymentMethod.ON_ACCOUNT:
                    # locks the company until commit: credit is checked order by order
                    status = check_on_account_order(
                        user=user, total=total.incl_tax, currency=total.currency
                    )
                order = self.create_order_model(
                    user,
                    basket,
                    shipping_address,
                    shipping_method,
                    shipping_charge,
                    billing_address,
                    total,
                    order_number,
                    status,
                    request,
                    surcharges=surcharges,
                    **kwargs,
                )
                if user is not None and user.is_authenticated:
                    order.user = user  # Oscar sets user_id only: order.email would read it back
                vouchers = self._check_vouchers(basket, user)
                self._record_discounts(basket, order, shipping_method)
                for voucher in vouchers:
                    self.record_voucher_usage(order, voucher, user)
                order_lines = self._create_lines(order, basket_lines)
                order.placed_lines = order_lines  # as written, for a response without a read
                tracked = self._tracks_stock(basket_lines)
                stock_allocate(
                    lines=[
                        StockAllocationRequest(
                            order_line.pk,
                            basket_line.product_id,
                            basket_line.quantity,
                            sku=order_line.partner_sku,
                        )
                        for order_line, basket_line in zip(order_lines, basket_lines, strict=True)
                        if tracked[basket_line.product_id]
                    ]
                )
                if order.email:
                    side_effect_record(kind=ORDER_CONFIRMATION, subject=order)
                if order.status == statuses.CREDIT_HOLD:
                    side_effect_record(kind=CREDIT_HOLD_ALERT_EMAIL, subject=order)
        except IntegrityError as clash:
            if "order_order_number_key" in str(clash):
                raise ValueError(
                    _("There is already an order with number %s") % order_number
                ) from clash
            raise
        order_placed.send(sender=self, order=order, user=user)
        return order

    def _check_vouchers(self, basket: Any, user: Any) -> list[Any]:
        vouchers: list[Any] = []
        if not basket.vouchers.all():  # known without a query for a basket built in memory
            return vouchers
        for voucher in basket.vouchers.select_for_update():
            if not voucher.is_active():  # the basket ignores inactive vouchers
                basket.vouchers.remove(voucher)
                continue
            available_to_user, message = voucher.is_available_to_user(user=user)
            if not available_to_user:
                raise ValueError(message)
            vouchers.append(voucher)
        return vouchers

    def _record_discounts(self, basket: Any, order: Any, shipping_method: Any) -> None:
        for application in basket.offer_applications:
            application["message"] = application["offer"].apply_deferred_benefit(
                basket, order, application
            )
            if application["result"].affects_shipping:
                shipping_discount = shipping_method.discount(basket)
                if shipping_discount <= Decimal("0.00"):
                    continue
                application["discount"] = shipping_discount
            self.create_discount_model(order, application)
            self.record_discount(application)

    def _tracks_stock(self, basket_lines: list[Any]) -> dict[int, bool]:
        """Whether each product's class tracks stock; the strategy has usually loaded it."""
        return {
            line.product_id: bool(line.product.get_product_class().track_stock)
            for line in basket_lines
        }

    def _create_lines(self, order: Any, basket_lines: list[Any]) -> list[Any]:
        """Lines and their prices in two INSERTs, in the order the customer saw."""
        initial_line_status = getattr(settings, "OSCAR_INITIAL_LINE_STATUS", "")
        records = [line.stockrecord for line in basket_lines if line.stockrecord]
        partners = {
            record.partner_id: record.partner
            for record in records
            if StockRecord.partner.is_cached(record)
        }
        missing = {record.partner_id for record in records} - partners.keys()
        if missing:
            partners.update(Partner.objects.in_bulk(missing))
        order_lines = []
        for basket_line in basket_lines:
            stockrecord = basket_line.stockrecord
            if not stockrecord:
                raise utils.exceptions.UnableToPlaceOrder(
                    f"Basket line #{basket_line.id} has no stockrecord"
                )
            product = basket_line.product
            order_lines.append(
                Line(
                    order=order,
                    partner_id=stockrecord.partner_id,
                    partner_name=partners[stockrecord.partner_id].name,
                    partner_sku=stockrecord.partner_sku,
                    stockrecord=stockrecord,
                    product=product,
                    title=product.get_title(),
                    upc=product.upc,
                    quantity=basket_line.quantity,
                    line_price_excl_tax=basket_line.line_price_excl_tax_incl_discounts,
                    line_price_incl_tax=basket_line.line_price_incl_tax_incl_discounts,
                    line_price_before_discounts_excl_tax=basket_line.line_price_excl_tax,
                    line_price_before_discounts_incl_tax=basket_line.line_price_incl_tax,
                    unit_price_incl_tax=basket_line.unit_price_incl_tax,
                    unit_price_excl_tax=basket_line.unit_price_excl_tax,
                    tax_code=basket_line.tax_code,
                    num_allocated=basket_line.quantity,
                    status=initial_line_status,
                )
            )
        Line.objects.bulk_create(order_lines)
        prices = [
            LinePrice(
                order=order,
                line=order_line,
                quantity=quantity,
                price_incl_tax=price_incl_tax,
                price_excl_tax=price_excl_tax,
                tax_code=basket_line.tax_code,
            )
            for order_line, basket_line in zip(order_lines, basket_lines, strict=True)
            for price_incl_tax, price_excl_tax, quantity in basket_line.get_price_breakdown()
        ]
        LinePrice.objects.bulk_create(prices)
        for order_line, basket_line in zip(order_lines, basket_lines, strict=True):
            self.create_line_attributes(order, order_line, basket_line)
            self.create_line_discount_models(order, order_line, basket_line)
            self.create_additional_line_models(order, order_line, basket_line)
        return order_lines

    def update_stock_records(self, line: Any) -> None:
        """Inventory owns stock; Oscar's num_allocated is never written."""


class OrderNumberGenerator(utils.OrderNumberGenerator):
    """Oscar's numbering (100000 + basket id), always as the string it is stored as."""

    def order_number(self, basket: Any) -> str:
        return str(super().order_number(basket))
