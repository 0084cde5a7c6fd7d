"""Gap-free document sequences (invoices, credit notes, ...): one locked counter row
per (series, year), incremented in the document's transaction."""

from django.db import transaction
from django.db.models import F

from erp.models import DocumentSequence


def sequence_next(*, series: str, year: int) -> int:
    """The next number of a gap-free series; call inside the document's transaction.

    The sequence row stays locked until that transaction ends, so concurrent
    documents of the same series queue up, and a rollback returns the number.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_next must run inside the document's transaction")
    DocumentSequence.objects.get_or_create(series=series, year=year)
    updated = DocumentSequence.objects.select_for_update().get(series=series, year=year)
    updated.last_number = F("last_number") + 1
    updated.save(update_fields=["last_number"])
    updated.refresh_from_db(fields=["last_number"])
    return updated.last_number
