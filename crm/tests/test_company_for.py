"""company_for: the company a login buys for, read by one hand-written SELECT."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Buyer
from crm.selectors import company_for
from tests.factories import CompanyFactory, UserFactory, buyer_for

pytestmark = pytest.mark.django_db


def _values(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_buyer_gets_their_active_company_with_its_price_list_in_one_query():
    company = CompanyFactory()
    buyer = buyer_for(company, "anna")
    buyer_for(CompanyFactory(), "ben")  # someone else's company

    with CaptureQueriesContext(connection) as queries:
        found = company_for(buyer)
    assert len(queries) == 1

    expected = Buyer.objects.select_related("company__price_list").get(user=buyer).company
    assert _values(found) == _values(expected)
    assert found.price_list is not None
    assert _values(found.price_list) == _values(expected.price_list)
    with CaptureQueriesContext(connection) as queries:
        assert found.price_list.name == expected.price_list.name  # loaded, no query
    assert len(queries) == 0


def test_a_company_without_price_list_consumers_and_closed_companies():
    company = CompanyFactory(price_list=None)
    buyer = buyer_for(company, "anna")
    assert company_for(buyer).pk == company.pk
    assert company_for(buyer).price_list is None

    assert company_for(UserFactory()) is None  # a consumer
    assert company_for(None) is None

    company.is_active = False
    company.save()
    assert company_for(buyer) is None
