from django.conf import settings
from django.http import HttpRequest


def product(request: HttpRequest) -> dict[str, str]:
    """The product's name for the storefront and admin templates."""
    return {"product_name": settings.PRODUCT_NAME}
