"""Quick order and reorder: lines go into the basket through Oscar's basket,
each checked against the buyer's availability; every bad line is reported."""

from dataclasses import dataclass, field
from typing import Any

from orders.staff_orders import parse_lines


@dataclass
class QuickOrderResult:
    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def add_lines_to_basket(
    *, basket: Any, strategy: Any, lines: list[tuple[Any, int]]
) -> QuickOrderResult:
    """Add (product, quantity) pairs that can be bought; explain the others."""
    from oscar.apps.basket.signals import basket_addition

    result = QuickOrderResult()
    for product, quantity in lines:
        info = strategy.fetch_for_product(product)
        if not info.price.exists:
            result.problems.append(f"“{product.title}” cannot be ordered online.")
            continue
        wanted = basket.product_quantity(product) + quantity
        allowed, reason = info.availability.is_purchase_permitted(wanted)
        if not allowed:
            result.problems.append(reason)
            continue
        basket.add_product(product, quantity)
        basket_addition.send(sender=basket, product=product, user=basket.owner, request=None)
        result.added.append(f"{quantity} × {product.title}")
    return result


def quick_order(*, basket: Any, strategy: Any, text: str) -> QuickOrderResult:
    requested, errors = parse_lines(text)
    result = add_lines_to_basket(
        basket=basket,
        strategy=strategy,
        lines=[(line.product, line.quantity) for line in requested],
    )
    result.problems = errors + result.problems
    return result
