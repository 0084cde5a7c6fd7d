"""Top-level URLs: storefront at /, back office at /admin/, API at /api/v1/."""

from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from erp import views
from erp.api import views as api_views

urlpatterns = [
    path("admin/reports/", include("accounting.urls")),
    path("admin/purchasing-documents/", include("purchasing.document_urls")),
    path("admin/data-quality/", include("data_exchange.quality_urls")),
    path("admin/", include("backoffice.urls")),  # the home page, before the admin's index
    path("admin/", admin.site.urls),
    path("warehouse/purchasing/", include("purchasing.urls")),
    path("warehouse/", include("inventory.urls")),
    path("api/v1/", include("erp.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/(?P<path>.*)$", api_views.not_found),
    path("healthz", views.healthz, name="healthz"),
    # browsers ask for /favicon.ico where a page names none (PDFs, JSON, images)
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("shop.account.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),  # type: ignore[attr-defined]
]

handler400 = "erp.views.bad_request"
handler500 = "erp.views.server_error"

if settings.SERVE_MEDIA:
    urlpatterns = (
        static(settings.MEDIA_URL, view=views.serve_media, document_root=settings.MEDIA_ROOT)
        + urlpatterns
    )
