"""Oscar's analytics counters, moved off the request and out of the order.

Oscar updates its counters synchronously from signal receivers: a write on
every product view, and, on ``order_placed``, inside the order's transaction,
where a concurrent first-purchase race raises IntegrityError and aborts the
order itself. Here the same counters are updated by Celery tasks enqueued
after commit, each in its own transaction.
"""

from typing import Any

from django.db import transaction
from oscar.apps.analytics import receivers as oscar_receivers
from oscar.apps.basket.signals import basket_addition
from oscar.apps.catalogue.signals import product_viewed
from oscar.apps.order.signals import order_placed
from oscar.apps.search.signals import user_search


def _user_id(user: Any) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


def on_product_viewed(sender: Any, product: Any, user: Any, **kwargs: Any) -> None:
    from shop.tasks import record_product_view

    product_id, user_id = product.pk, _user_id(user)
    transaction.on_commit(lambda: record_product_view.delay(product_id, user_id))


def on_basket_addition(sender: Any, product: Any, user: Any, **kwargs: Any) -> None:
    from shop.tasks import record_basket_addition

    product_id, user_id = product.pk, _user_id(user)
    transaction.on_commit(lambda: record_basket_addition.delay(product_id, user_id))


def on_order_placed(sender: Any, order: Any, user: Any, **kwargs: Any) -> None:
    from shop.tasks import record_order

    order_id = order.pk
    transaction.on_commit(lambda: record_order.delay(order_id))


def connect() -> None:
    product_viewed.disconnect(oscar_receivers.receive_product_view)
    basket_addition.disconnect(oscar_receivers.receive_basket_addition)
    order_placed.disconnect(oscar_receivers.receive_order_placed)
    user_search.disconnect(oscar_receivers.receive_product_search)
    product_viewed.connect(on_product_viewed, dispatch_uid="kontor-product-viewed")
    basket_addition.connect(on_basket_addition, dispatch_uid="kontor-basket-addition")
    order_placed.connect(on_order_placed, dispatch_uid="kontor-order-placed")
