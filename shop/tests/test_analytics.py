"""Oscar's analytics counters are kept, but by tasks after commit (views, basket
additions) and in batches (orders)."""

import pytest
from django.test import Client
from oscar.core.loading import get_model

from erp.permissions import SYSTEM
from shop import analytics, tasks
from shop.analytics import orders_count_in_analytics
from tests.factories import ProductFactory, UserFactory, place_order

ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


def test_viewing_a_product_writes_nothing_during_the_request(
    client: Client, monkeypatch, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    queued = []
    monkeypatch.setattr(tasks.record_product_view, "delay", lambda *args: queued.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        client.get(product.get_absolute_url())

    assert queued == [(product.pk, None)]
    assert not ProductRecord.objects.exists()


def test_the_tasks_update_oscars_counters():
    product, user = ProductFactory(), UserFactory()

    tasks.record_product_view(product.pk, user.pk)
    tasks.record_product_view(product.pk, None)
    tasks.record_basket_addition(product.pk, user.pk)

    record = ProductRecord.objects.get(product=product)
    assert (record.num_views, record.num_basket_additions) == (2, 1)
    user_record = UserRecord.objects.get(user=user)
    assert (user_record.num_product_views, user_record.num_basket_additions) == (1, 1)


def test_back_in_stock_alerts_go_out_once_when_inventory_has_stock_again(mailoutbox):
    from oscar.core.loading import get_model

    from inventory import services
    from tests.factories import WarehouseFactory

    ProductAlert = get_model("customer", "ProductAlert")
    product = ProductFactory(title="Sold-out Tarp")
    alert = ProductAlert.objects.create(product=product, user=UserFactory(), status="Active")

    tasks.send_back_in_stock_alerts()
    assert mailoutbox == []

    services.stock_receive(
        user=SYSTEM,
        product=product,
        warehouse=WarehouseFactory(code="BER-1"),
        quantity=3,
        unit_cost=2,
    )
    tasks.send_back_in_stock_alerts()
    tasks.send_back_in_stock_alerts()

    assert len(mailoutbox) == 1
    assert "Sold-out Tarp" in mailoutbox[0].body
    alert.refresh_from_db()
    assert alert.status == "Closed"


def test_placing_an_order_sends_only_its_confirmation_e_mail_through_the_broker(
    django_capture_on_commit_callbacks, monkeypatch
):
    from erp.services import broker

    product = ProductFactory(stock=5)
    sent = []
    monkeypatch.setattr(
        broker, "task_enqueue", lambda *, task, args=(), countdown=None: sent.append(task.name)
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order([(product, 2)], payment_method="bank_transfer")
    assert sent == ["orders.tasks.send_order_confirmation"]  # no analytics message
    assert not order.counted_in_analytics
    assert not ProductRecord.objects.exists()


def test_orders_are_counted_in_a_batch_once_each(django_assert_max_num_queries):
    tent, stove = ProductFactory(stock=50), ProductFactory(stock=50)
    anna, ben = UserFactory(), UserFactory()
    ProductRecord.objects.create(product=tent, num_views=7, num_purchases=1)  # seen before
    first = place_order([(tent, 2), (stove, 1)], user=anna, payment_method="bank_transfer")
    second = place_order([(tent, 1)], user=anna, payment_method="bank_transfer")
    place_order([(stove, 3)], user=ben, payment_method="bank_transfer")
    place_order([(tent, 4)], payment_method="bank_transfer")  # a guest: products only

    with django_assert_max_num_queries(10):  # the same few statements for any batch
        assert orders_count_in_analytics() == 4
    assert orders_count_in_analytics() == 0  # nothing twice

    purchases = dict(ProductRecord.objects.values_list("product_id", "num_purchases"))
    assert purchases == {tent.pk: 1 + 2 + 1 + 4, stove.pk: 1 + 3}
    assert ProductRecord.objects.get(product=tent).num_views == 7
    record = UserRecord.objects.get(user=anna)
    assert (record.num_orders, record.num_order_lines, record.num_order_items) == (2, 3, 4)
    assert record.total_spent == first.total_incl_tax + second.total_incl_tax
    assert record.date_last_order == second.date_placed
    assert UserRecord.objects.get(user=ben).num_order_items == 3
    assert not Order.objects.filter(counted_in_analytics=False).exists()


def test_the_task_counts_every_pending_order_in_batches_of_the_limit(monkeypatch):
    product = ProductFactory(stock=50)
    for _ in range(5):
        place_order([(product, 1)], payment_method="bank_transfer")
    monkeypatch.setattr(analytics, "ORDERS_PER_BATCH", 2)
    batches = []
    count = analytics.orders_count_in_analytics

    def counting(*, limit):
        batches.append(count(limit=limit))
        return batches[-1]

    monkeypatch.setattr(analytics, "orders_count_in_analytics", counting)

    assert tasks.count_orders_in_analytics() == 5
    assert batches == [2, 2, 1]
    assert ProductRecord.objects.get(product=product).num_purchases == 5


def test_the_batch_runs_from_beat_every_minute(settings):
    (entry,) = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "shop.tasks.count_orders_in_analytics"
    ]
    assert entry["schedule"] == 60.0
