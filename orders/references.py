"""The customer's own order reference (their purchase-order number).

One rule for every channel that takes it (storefront checkout, API): at most
64 characters once trimmed, printable only (no line breaks, tabs or control
characters: it is printed on confirmations, invoices and packing slips).
Empty means none. The reference is part of the placed order and never changes.
"""

MAX_LENGTH = 64


class InvalidCustomerReference(ValueError):
    pass


def customer_reference_clean(value: object) -> str:
    """The reference to store; raises ``InvalidCustomerReference`` saying why not."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidCustomerReference("Your order reference must be text.")
    value = value.strip()
    if len(value) > MAX_LENGTH:
        raise InvalidCustomerReference(
            f"Your order reference can be at most {MAX_LENGTH} characters long "
            f"(it has {len(value)})."
        )
    if not value.isprintable():
        raise InvalidCustomerReference(
            "Your order reference can only contain printable characters "
            "(no line breaks, tabs or control characters)."
        )
    return value
