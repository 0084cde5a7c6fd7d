"""schemathesis against the live schema: generated requests for every operation,
through a real HTTP server; no answer may be a 5xx, and every answer must match
what the schema documents (status code, content type, body)."""

from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import CategoryFactory, ProductFactory, StaffFactory, shipping_address

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz]

MAX_EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_no_5xx_and_every_answer_matches_the_schema(live_server):
    shipping_address()
    category = CategoryFactory(name="Tents")
    for price in ("19.95", "119.00", "4.50"):
        product = ProductFactory(listing=Decimal(price), stock=50)
        product.categories.add(category)
    admin = StaffFactory(username="fuzz-admin", is_superuser=True)
    headers = {"Authorization": f"Token {Token.objects.create(user=admin).key}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12, [op.label for op in operations]
    failures: dict[str, str] = {}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case):
            case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as failure:  # collect them all, report all
            failures[operation.label] = str(failure)[:2000]

    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
