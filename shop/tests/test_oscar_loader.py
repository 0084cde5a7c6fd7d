"""Oscar's loader finds the strategy and the shipping rules that live below the storefront."""

from oscar.core.loading import get_class

from orders.pricing import Selector
from orders.shipping import Repository


def test_oscars_loader_finds_the_strategy_of_orders_pricing():
    assert get_class("partner.strategy", "Selector") is Selector


def test_oscars_loader_finds_the_shipping_rules_of_orders_shipping():
    assert get_class("shipping.repository", "Repository") is Repository
