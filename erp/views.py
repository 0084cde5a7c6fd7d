from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from erp import selectors


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: 200 when database and broker answer, else 503."""
    healthy, report = selectors.health()
    return JsonResponse(report, status=200 if healthy else 503)
