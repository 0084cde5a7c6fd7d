"""The SKU policy and barcode rules: one function each, used by every way a code
comes in (importer, admin, API, scan station) and by every lookup.

Invariants:

- a stored SKU is its own normal form (``normalise_sku(sku) == sku``): trimmed, upper
  case, runs of blanks, underscores and hyphens written as one hyphen, only letters
  A-Z, digits and the separators ``-``, ``.`` and ``/`` between them, at most
  ``SKU_MAX_LENGTH`` characters. PostgreSQL enforces the same shape with a CHECK
  constraint (``SKU_PATTERN``) and uniqueness with a unique index on the column
  (inventory migration 0006), so "tnt 01", "TNT_01" and "TNT-01" are one SKU;
- a lookup normalises what it is given with the same function and compares exactly;
- a barcode is digits only, an EAN-13, UPC-A (12 digits) or EAN-8 whose check digit is
  right; Oscar's ``Product.upc`` is unique, so a barcode belongs to one product.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

SKU_MAX_LENGTH = 64
#: the shape of a normalised SKU; the CHECK constraint on partner_stockrecord uses it too
SKU_PATTERN = r"^[A-Z0-9]+([./-][A-Z0-9]+)*$"
_SKU_SHAPE = re.compile(SKU_PATTERN)
_SEPARATOR_RUNS = re.compile(r"[\s_\-]+")
BARCODE_LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13"}


class CodeError(ValueError):
    """A SKU or barcode breaks the policy; the message is meant for people."""


def normalise_sku(raw: str) -> str:
    """The SKU in its normal form, or ``""`` for a blank one; does not validate
    (``sku_clean`` does). Compatibility forms (full-width letters) fold to ASCII."""
    text = unicodedata.normalize("NFKC", raw or "").strip().upper()
    return _SEPARATOR_RUNS.sub("-", text).strip("-")


def sku_clean(raw: str) -> str:
    """The normalised SKU, or :class:`CodeError` saying what is wrong with it."""
    sku = normalise_sku(raw)
    if not sku:
        raise CodeError("A SKU is required.")
    if len(sku) > SKU_MAX_LENGTH:
        raise CodeError(f"SKU {sku[:20]!r}... is longer than {SKU_MAX_LENGTH} characters.")
    if not _SKU_SHAPE.match(sku):
        raise CodeError(
            f"SKU {raw.strip()!r} may contain only letters A-Z, digits and the "
            "separators - . / between them."
        )
    return sku


def sku_is_normal(sku: str) -> bool:
    """Whether a stored SKU already keeps the policy (the data-quality check)."""
    return bool(sku) and len(sku) <= SKU_MAX_LENGTH and bool(_SKU_SHAPE.match(sku))


def normalise_barcode(raw: str) -> str:
    """Digits only: blanks and hyphens people type between the groups go."""
    return re.sub(r"[\s-]+", "", raw or "")


def barcode_clean(raw: str) -> str:
    """The barcode (digits), or :class:`CodeError`: an EAN-13, UPC-A or EAN-8 with a
    right check digit (python-stdnum)."""
    code = normalise_barcode(raw)
    if not code.isdigit() or len(code) not in BARCODE_LENGTHS:
        raise CodeError(
            f"Barcode {raw.strip()!r} is not an EAN-13, UPC-A or EAN-8 (13, 12 or 8 digits)."
        )
    try:
        ean.validate(code)
    except StdnumError:
        raise CodeError(
            f"Barcode {code} has a wrong check digit for an {BARCODE_LENGTHS[len(code)]} "
            f"(it should end in {ean.calc_check_digit(code[:-1])})."
        ) from None
    return code


def barcode_is_valid(code: str) -> bool:
    try:
        barcode_clean(code)
    except CodeError:
        return False
    return True
