"""Why a purchasing write was refused, in words for people and a code for the API."""


class PurchasingError(Exception):
    """A purchasing write was refused; nothing was written. ``code`` is the API's."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, reasons: list[str] | None = None):
        super().__init__(message)
        self.reasons = reasons or []


class OverReceipt(PurchasingError):
    code = "over_receipt"
    status = 409


class DuplicateBill(PurchasingError):
    code = "duplicate_bill"
    status = 409


class PurchaseOrderState(PurchasingError):
    """The document is not in a state that allows this (sending a sent PO, ...)."""

    code = "invalid_state"
    status = 409
