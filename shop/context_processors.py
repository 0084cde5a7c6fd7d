from django.conf import settings
from django.http import HttpRequest


def bank_account(request: HttpRequest) -> dict[str, dict[str, str]]:
    """Where customers paying by bank transfer send the money."""
    return {"bank_account": settings.BANK_ACCOUNT}
