"""Money's one rounding point: amounts are Decimals rounded to the cent, half up.

Every layer that rounds money (prices in crm and the pricing strategy, the
journal, invoices) calls ``money()``; nothing else quantizes to cents.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(amount: Decimal | int | str) -> Decimal:
    """Round to cents, half up: the one place money is rounded."""
    return Decimal(amount).quantize(CENT, ROUND_HALF_UP)
