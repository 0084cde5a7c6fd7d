"""Row locks of crm.

A company is locked while an on-account order of one of its buyers is checked
against the credit limit (``orders.services.credit``), so concurrent orders of
one company are checked one after the other and never pass the limit together.
"""

from crm.models import Company


def company_for_update(company_id: int) -> Company:
    return Company.objects.select_for_update().get(pk=company_id)
