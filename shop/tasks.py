"""Storefront background tasks: Oscar's analytics counters, off the request path.

Views and basket additions: each counter statement runs in autocommit on
purpose: Oscar's helper handles a first-insert race by catching IntegrityError
and updating instead, which only works outside a surrounding transaction.
Counters are statistics: a retried task may count twice, which is accepted.
Orders are counted exactly once, in batches (``shop.analytics``).
"""

from celery import shared_task
from oscar.apps.analytics import receivers as counters
from oscar.core.loading import get_model

ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")
UserProductView = get_model("analytics", "UserProductView")
Order = get_model("order", "Order")


@shared_task
def record_product_view(product_id: int, user_id: int | None) -> None:
    counters._update_counter(ProductRecord, "num_views", {"product_id": product_id})
    if user_id:
        counters._update_counter(UserRecord, "num_product_views", {"user_id": user_id})
        UserProductView.objects.create(product_id=product_id, user_id=user_id)


@shared_task
def record_basket_addition(product_id: int, user_id: int | None) -> None:
    counters._update_counter(ProductRecord, "num_basket_additions", {"product_id": product_id})
    if user_id:
        counters._update_counter(UserRecord, "num_basket_additions", {"user_id": user_id})


@shared_task
def count_orders_in_analytics() -> int:
    """Count every order placed since the last run, in batches (beat, every minute)."""
    from shop.analytics import ORDERS_PER_BATCH, orders_count_in_analytics

    counted = 0
    while True:
        batch = orders_count_in_analytics(limit=ORDERS_PER_BATCH)
        counted += batch
        if batch < ORDERS_PER_BATCH:
            return counted


@shared_task
def record_order(order_id: int) -> None:
    """One order's counters: only for tasks queued before orders were counted in
    batches (migration order 0025 marks those orders counted)."""
    order = Order.objects.filter(pk=order_id).select_related("user").first()
    if order is None:
        return
    counters._record_products_in_order(order)
    if order.user_id:
        counters._record_user_order(order.user, order)


@shared_task
def send_back_in_stock_alerts() -> None:
    """E-mail customers whose 'notify me' products can be bought again (beat, every 10 min).

    Oscar's dispatcher asks our strategy, so "available" means inventory's
    available-to-promise; alerts it sends are closed and never sent twice.
    """
    from oscar.apps.customer.alerts.utils import AlertsDispatcher

    AlertsDispatcher().send_alerts()


@shared_task
def send_password_reset(email: str) -> int:
    """E-mail a password-reset link to each active account using ``email``
    (Oscar's form and e-mail); returns how many went. The request that asked only
    enqueued this, whether or not an account uses the address."""
    from oscar.apps.customer.forms import PasswordResetForm

    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return 0
    users = list(form.get_users(form.cleaned_data["email"]))
    form.save(request=None)
    return len(users)
