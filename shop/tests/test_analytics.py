"""Oscar's analytics counters are kept, but by tasks after commit."""

import pytest
from django.test import Client
from oscar.core.loading import get_model

from shop import tasks
from tests.factories import ProductFactory, UserFactory

ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")

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
        product=product, warehouse=WarehouseFactory(code="BER-1"), quantity=3, unit_cost=2
    )
    tasks.send_back_in_stock_alerts()
    tasks.send_back_in_stock_alerts()

    assert len(mailoutbox) == 1
    assert "Sold-out Tarp" in mailoutbox[0].body
    alert.refresh_from_db()
    assert alert.status == "Closed"
