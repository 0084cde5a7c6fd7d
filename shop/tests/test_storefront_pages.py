"""The storefront's legal and help pages, error pages, favicon, category titles
and free-delivery text (issue 14, items 7 and 8)."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import path
from oscar.core.loading import get_model

from erp import urls as project_urls
from erp import views
from erp.legal_pages import LEGAL_PAGES
from shop.demo.legal import seed_legal_pages
from tests.factories import CategoryFactory, ProductFactory, StaffFactory

OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")
pytestmark = pytest.mark.django_db

LEGAL_URLS = ["/imprint/", "/terms/", "/privacy/", "/shipping-returns/", "/contact/"]
LEGAL_TITLES = [
    "Imprint",
    "Terms and conditions",
    "Privacy policy",
    "Shipping & returns",
    "Contact",
]


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def _fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


# the project's URLs plus a page that refuses everyone and one with a bug
urlpatterns = [
    path("forbidden/", _forbidden),
    path("broken/", _fail),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler500 = project_urls.handler500


@pytest.fixture
def production(settings: Any) -> None:
    settings.DEBUG = False


def footer_links(html: str) -> list[str]:
    """The addresses the footer's legal list links, in order."""
    footer = html[html.index('id="footer_legal"') :]
    return re.findall(r'<a href="([^"]+)">', footer[: footer.index("</ul>")])


def test_a_fresh_install_has_every_legal_page_with_placeholder_text_on_the_site():
    pages = FlatPage.objects.order_by("pk")

    assert [(page.url, page.title) for page in pages] == list(
        zip(LEGAL_URLS, LEGAL_TITLES, strict=True)
    )
    assert [list(page.sites.values_list("pk", flat=True)) for page in pages] == [[1]] * 5
    assert pages[0].content == (
        "<p>The shop owner has not written the imprint page yet.</p><p>Staff with the "
        "Manager role edit it in the back office, under <em>Flat pages</em>.</p>"
    )


def test_a_legal_page_shows_staff_html_through_the_allow_list(client: Client):
    FlatPage.objects.filter(url="/terms/").update(
        title="Terms <i>& conditions</i>",
        content='<h2>1. Scope</h2><script>alert("x")</script><p onclick="x()">Ours.</p>',
    )

    response = client.get("/terms/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<article class="flatpage-content"><h2>1. Scope</h2><p>Ours.</p></article>' in html
    assert "<h1>Terms &lt;i&gt;&amp; conditions&lt;/i&gt;</h1>" in html
    assert "<script>alert" not in html


@pytest.mark.parametrize("url", ["/catalogue/", "/imprint/", "/basket/", "/no-such-page/"])
def test_every_storefront_page_links_the_legal_pages_in_its_footer(client: Client, url: str):
    ProductFactory()

    html = client.get(url).content.decode()

    assert footer_links(html) == LEGAL_URLS
    for title in ("Imprint", "Terms and conditions", "Privacy policy", "Contact"):
        assert f">{title}</a>" in html
    assert ">Shipping &amp; returns</a>" in html


def test_managers_edit_the_legal_pages_and_no_other_role_may():
    codenames = {
        role: set(
            Group.objects.get(name=role)
            .permissions.filter(content_type__app_label="flatpages")
            .values_list("codename", flat=True)
        )
        for role in ("Manager", "Warehouse", "Sales", "Accounting", "HR")
    }

    assert codenames == {
        "Manager": {"add_flatpage", "change_flatpage", "delete_flatpage", "view_flatpage"},
        "Warehouse": set(),
        "Sales": set(),
        "Accounting": set(),
        "HR": set(),
    }


def test_a_manager_changes_the_imprint_in_the_back_office_and_the_shop_shows_it(client: Client):
    manager = StaffFactory(username="mia", role="Manager")
    client.force_login(manager)
    imprint = FlatPage.objects.get(url="/imprint/")

    response = client.post(
        f"/admin/flatpages/flatpage/{imprint.pk}/change/",
        {
            "url": "/imprint/",
            "title": "Imprint",
            "content": "<p>Kontor Demo Store GmbH, Köln</p>",
            "sites": [Site.objects.get_current().pk],
            "template_name": "",
        },
    )

    assert response.status_code == 302
    client.logout()
    assert "<p>Kontor Demo Store GmbH, Köln</p>" in client.get("/imprint/").content.decode()


def test_the_demo_fills_the_placeholders_and_keeps_what_staff_wrote():
    FlatPage.objects.filter(url="/contact/").update(content="<p>Call us.</p>")
    FlatPage.objects.filter(url="/privacy/").delete()

    written = seed_legal_pages()

    assert written == 4
    pages = dict(FlatPage.objects.values_list("url", "content"))
    assert sorted(pages) == sorted(LEGAL_URLS)
    assert pages["/contact/"] == "<p>Call us.</p>"
    assert pages["/imprint/"].startswith("<p><strong>Kontor Demo Store GmbH</strong>")
    assert seed_legal_pages() == 0


def test_the_404_page_is_on_the_storefront_layout_with_a_way_back(client: Client, production):
    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<title>Page not found | Kontor Demo Store</title>" in html
    assert "<h1>We can't find that page</h1>" in html
    assert '<span class="brand-name">Kontor Demo Store</span>' in html
    assert 'id="error_home_link" class="btn btn-primary btn-lg" href="/catalogue/"' in html
    assert 'data-behaviours="history-back"' in html


@pytest.mark.urls("shop.tests.test_storefront_pages")
def test_the_403_page_is_on_the_storefront_layout_with_a_way_back(client: Client, production):
    response = client.get("/forbidden/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "<title>Not allowed | Kontor Demo Store</title>" in html
    assert "<h1>You may not open this page</h1>" in html
    assert '<span class="brand-name">Kontor Demo Store</span>' in html
    assert 'id="error_home_link" class="btn btn-primary btn-lg" href="/catalogue/"' in html


def test_the_500_page_runs_no_query_and_looks_like_the_shop(django_assert_num_queries):
    request = RequestFactory().get("/catalogue/")

    with django_assert_num_queries(0):
        response = views.server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert "<title>Something went wrong | Kontor Demo Store</title>" in html
    assert '<link rel="stylesheet" href="/static/css/kontor.css">' in html
    assert '<span class="brand-name">Kontor Demo Store</span>' in html
    assert '<a id="error_home_link" class="btn btn-primary btn-lg" href="/">' in html
    assert footer_links(html) == LEGAL_URLS


def test_a_500_page_that_cannot_render_falls_back_to_plain_html(monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> str:
        raise ValueError("Missing staticfiles manifest entry for 'css/kontor.css'")

    monkeypatch.setattr(views, "render_to_string", broken)

    response = views.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert response.content.decode() == views.PLAIN_SERVER_ERROR


def test_the_favicon_is_linked_on_shop_and_back_office_and_served_at_favicon_ico(client: Client):
    icon = '<link rel="icon" href="/static/img/kontor.svg" type="image/svg+xml"'

    assert icon in client.get("/catalogue/").content.decode()
    assert icon in client.get("/admin/login/").content.decode()
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/img/kontor.svg")


def test_a_category_page_names_the_category_once_in_its_title(client: Client):
    tents = CategoryFactory(name="Tents & Shelters")
    ProductFactory().categories.add(tents)

    html = client.get(tents.get_absolute_url()).content.decode()

    assert "<title>Tents &amp; Shelters | Kontor Demo Store</title>" in html


def test_the_free_delivery_threshold_is_shown_with_its_currency():
    method = OrderAndItemCharges(
        code="standard", name="Standard", free_shipping_threshold=Decimal("50.00")
    )
    express = OrderAndItemCharges(code="express", name="Express")

    free = render_to_string(
        "shop/partials/free_shipping.html", {"method": method, "currency": "EUR"}
    )
    none = render_to_string(
        "shop/partials/free_shipping.html", {"method": express, "currency": "EUR"}
    )

    assert free.strip() == '<span class="free-shipping">Free on orders of €50.00 or more.</span>'
    assert none.strip() == ""


def test_the_demo_standard_delivery_no_longer_states_an_amount_without_currency():
    from shop.demo.orders import STANDARD_DESCRIPTION, seed_shipping_methods

    OrderAndItemCharges.objects.create(
        code="standard",
        name="Standard delivery (2-4 days)",
        description="Free on orders of 50.00 or more.",
        price_per_order=Decimal("4.95"),
        free_shipping_threshold=Decimal("50.00"),
    )

    seed_shipping_methods()

    standard = OrderAndItemCharges.objects.get(code="standard")
    assert (
        standard.description
        == STANDARD_DESCRIPTION
        == ("Tracked parcel, delivered in 2-4 working days.")
    )


def test_the_legal_pages_are_the_ones_the_footer_lists():
    assert [page.url for page in LEGAL_PAGES] == LEGAL_URLS
    assert [page.title for page in LEGAL_PAGES] == LEGAL_TITLES
    assert [page.url for page in LEGAL_PAGES if page.at_checkout] == ["/terms/", "/privacy/"]


def test_a_form_sent_without_its_csrf_token_gets_a_styled_403_and_changes_nothing():
    product = ProductFactory(title="Granite Stove")
    browser = Client(enforce_csrf_checks=True)
    Basket = get_model("basket", "Basket")

    added = browser.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    admin = browser.post("/admin/login/", {"username": "mia", "password": "x"})
    api = views.csrf_failure(RequestFactory().post("/api/v1/orders/"), reason="no token")

    html = added.content.decode()
    assert added.status_code == 403
    assert "<title>Form expired | Kontor Demo Store</title>" in html
    assert "<h1>This form has expired</h1>" in html
    assert "Nothing was changed" in html
    assert (
        '<a id="error_home_link" class="btn btn-primary btn-lg" href="/">Go to the shop</a>' in html
    )
    assert footer_links(html) == LEGAL_URLS
    assert not Basket.objects.filter(lines__isnull=False).exists()
    assert admin.status_code == 403
    assert 'href="/admin/">Go to the back office</a>' in admin.content.decode()
    assert (api.status_code, api["Content-Type"]) == (403, "application/json")
    assert b'"code": "csrf_failed"' in api.content
