"""HTML typed by staff (descriptions, flat pages, offers, shipping methods,
notifications) never runs as script on the shop's origin: the back-office forms
store it cleaned by the allow-list, and every page, e-mail and API answer that
shows it cleans it again, so rows stored before the rule are harmless too."""

from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from oscar.core.loading import get_model
from oscar.test.factories import create_offer
from rest_framework.test import APIClient

from erp.sanitize import RichTextFormField, rich_text_clean
from shop.admin import AttributeInline
from shop.tests.checkout import checkout_to_preview
from tests.factories import CategoryFactory, ProductFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

Category = get_model("catalogue", "Category")
Email = get_model("communication", "Email")
Notification = get_model("communication", "Notification")
Option = get_model("catalogue", "Option")
OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")
Product = get_model("catalogue", "Product")
ProductAlert = get_model("customer", "ProductAlert")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
Range = get_model("offer", "Range")

TYPED = (
    '<p>Warm <strong>and</strong> dry.</p><script>alert("owned")</script>'
    '<img src="/media/tent.jpg" onerror="alert(1)">'
    '<a href="javascript:alert(2)">more</a> <a href="https://example.com/care">care</a>'
)
CLEANED = (
    '<p>Warm <strong>and</strong> dry.</p><img src="/media/tent.jpg">'
    '<a rel="noopener noreferrer">more</a> '
    '<a href="https://example.com/care" rel="noopener noreferrer">care</a>'
)


def assert_shows_cleaned(body: str) -> None:
    assert CLEANED in body
    assert 'alert("owned")' not in body
    assert "onerror" not in body
    assert "javascript:alert" not in body


def superuser_request() -> Any:
    request: Any = RequestFactory().get("/admin/")
    request.user = StaffFactory(username="root", is_superuser=True)
    return request


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_allow_list_keeps_formatting_and_links_and_drops_script_handlers_and_script_links():
    assert rich_text_clean(TYPED) == CLEANED


def test_cleaning_cleaned_text_changes_nothing():
    assert rich_text_clean(CLEANED) == CLEANED


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("<style>body{display:none}</style><p style='color:red'>x</p>", "<p>x</p>"),
        ("<iframe src='https://evil.example'></iframe><form><input></form>", ""),
        ("<svg><script>alert(1)</script></svg><math><mi>x</mi></math>", ""),
        ('<a href="JaVa&#x09;ScRiPt:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<img src="data:text/html;base64,PHNjcmlwdD4=">', "<img>"),
        ("AT&T <3 a < b", "AT&amp;T &lt;3 a &lt; b"),
        ("<!-- <script>alert(1)</script> -->ok", "ok"),
    ],
)
def test_the_allow_list_refuses_what_could_run_or_hide_script(typed, cleaned):
    assert rich_text_clean(typed) == cleaned


def test_the_product_page_shows_a_stored_description_cleaned():
    product = ProductFactory(description=TYPED, stock=3)

    response = Client().get(product.get_absolute_url())

    assert response.status_code == 200
    assert_shows_cleaned(response.content.decode())


def test_the_product_page_shows_a_rich_text_attribute_cleaned():
    product = ProductFactory(stock=3)
    care = ProductAttribute.objects.create(
        product_class=product.product_class, name="Care", code="care", type="richtext"
    )
    ProductAttributeValue.objects.create(attribute=care, product=product, value_richtext=TYPED)

    response = Client().get(product.get_absolute_url())

    assert_shows_cleaned(response.content.decode())


def test_the_add_to_basket_form_escapes_a_product_options_name_and_help_text():
    product = ProductFactory(stock=3)
    product.product_options.add(
        Option.objects.create(
            name='<img src=x onerror="alert(1)">Engraving',
            code="engraving",
            help_text="<script>alert(2)</script>Up to 20 letters",
            required=False,
        )
    )

    body = Client().get(product.get_absolute_url()).content.decode()

    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Engraving" in body
    assert "&lt;script&gt;alert(2)&lt;/script&gt;Up to 20 letters" in body
    assert '<img src=x onerror="alert(1)">' not in body
    assert "<script>alert(2)" not in body


def test_the_category_page_shows_both_descriptions_cleaned():
    category = CategoryFactory(name="Tents", slug="tents", description=TYPED)
    category.long_description = TYPED
    category.save()

    response = Client().get(category.get_absolute_url())

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count(CLEANED) == 2
    assert_shows_cleaned(body)


def test_a_flat_page_shows_its_content_cleaned_and_its_title_escaped():
    page = FlatPage.objects.create(url="/about/", title="About <b>us</b>", content=TYPED)
    page.sites.add(Site.objects.get_current())

    response = Client().get("/about/")

    assert response.status_code == 200
    body = response.content.decode()
    assert_shows_cleaned(body)
    assert "<h1>About &lt;b&gt;us&lt;/b&gt;</h1>" in body
    assert "<b>us</b>" not in body


def test_offer_pages_and_range_pages_show_descriptions_cleaned():
    product_range = Range.objects.create(
        name="Trail kit", description=TYPED, includes_all_products=True, is_public=True
    )
    offer = create_offer(name="Summer sale", product_range=product_range)
    offer.description = TYPED
    offer.save()

    pages = [
        Client().get("/offers/"),
        Client().get(f"/offers/{offer.slug}/"),
        Client().get(f"/catalogue/ranges/{product_range.slug}/"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    for page in pages:
        assert_shows_cleaned(page.content.decode())


def test_checkout_shows_shipping_method_descriptions_cleaned(client: Client):
    OrderAndItemCharges.objects.create(
        code="standard", name="Standard", description=TYPED, price_per_order=Decimal("4.95")
    )
    OrderAndItemCharges.objects.create(
        code="express", name="Express", description=TYPED, price_per_order=Decimal("9.95")
    )
    product = ProductFactory(stock=3)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 1})

    checkout_to_preview(client, method="bank_transfer", shipping_method="standard")
    choice = client.get("/checkout/shipping-method/")
    preview = client.get("/checkout/preview/")

    assert choice.status_code == 200
    assert choice.content.decode().count(CLEANED) == 2
    assert_shows_cleaned(choice.content.decode())
    assert preview.status_code == 200
    assert_shows_cleaned(preview.content.decode())


def test_a_customers_notifications_show_subject_and_body_cleaned():
    customer = UserFactory()
    notification = Notification.objects.create(recipient=customer, subject=TYPED, body=TYPED)

    inbox = logged_in(customer).get("/accounts/notifications/inbox/")
    detail = logged_in(customer).get(f"/accounts/notifications/{notification.pk}/")

    assert (inbox.status_code, detail.status_code) == (200, 200)
    assert_shows_cleaned(inbox.content.decode())
    assert detail.content.decode().count(CLEANED) == 2
    assert_shows_cleaned(detail.content.decode())


def test_the_email_history_shows_an_html_email_in_a_sandboxed_frame_escaped():
    customer = UserFactory()
    email = Email.objects.create(
        user=customer, subject="Your order", body_text="Thanks", body_html=TYPED
    )

    response = logged_in(customer).get(f"/accounts/emails/{email.pk}/")

    assert response.status_code == 200
    body = response.content.decode()
    assert (
        '<iframe id="preview_box" title="Body" width="100%" height="400" sandbox '
        'srcdoc="&lt;p&gt;Warm &lt;strong&gt;and&lt;/strong&gt; dry.&lt;/p&gt;'
        "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;"
    ) in body
    assert "<script>alert" not in body
    assert "doc.write" not in body


def test_back_in_stock_emails_escape_the_product_title():
    product = ProductFactory(title='Tent <img src=x onerror="alert(1)">')
    alert = ProductAlert(product=product, email="hiker@example.com", key="k3y")
    context = {"alert": alert, "site": Site.objects.get_current(), "hurry": False}

    bodies = [
        render_to_string("oscar/communication/emails/commtype_product_alert_body.html", context),
        render_to_string(
            "oscar/communication/emails/commtype_product_alert_confirmation_body.html", context
        ),
    ]

    for body in bodies:
        assert "Tent &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body
        assert "<img src=x" not in body


def test_the_api_returns_a_products_description_cleaned():
    product = ProductFactory(description=TYPED, stock=3)

    response = APIClient().get(f"/api/v1/products/{product.stockrecords.get().partner_sku}/")

    assert response.status_code == 200
    assert response.json()["description"] == CLEANED


RICH_TEXT_ADMIN_FIELDS = [
    ("catalogue", "product", "description"),
    ("catalogue", "category", "description"),
    ("catalogue", "category", "long_description"),
    ("offer", "conditionaloffer", "description"),
    ("offer", "range", "description"),
    ("shipping", "orderanditemcharges", "description"),
    ("shipping", "weightbased", "description"),
    ("flatpages", "flatpage", "content"),
]


@pytest.mark.parametrize(("app_label", "model_name", "field_name"), RICH_TEXT_ADMIN_FIELDS)
def test_every_back_office_form_for_shop_html_stores_it_cleaned(app_label, model_name, field_name):
    from django.apps import apps

    model = apps.get_model(app_label, model_name)
    request = superuser_request()

    form_class = admin.site._registry[model].get_form(request)
    field = form_class.base_fields[field_name]

    assert isinstance(field, RichTextFormField)
    assert field.clean(TYPED) == CLEANED


def test_a_products_rich_text_attribute_is_stored_cleaned_from_the_back_office():
    request = superuser_request()
    product_admin = admin.site._registry[Product]

    inlines = product_admin.get_inline_instances(request)
    attribute_inline = next(inline for inline in inlines if isinstance(inline, AttributeInline))
    field = attribute_inline.get_formset(request).form.base_fields["value_richtext"]

    assert field.clean(TYPED) == CLEANED


def test_staff_saving_a_range_in_the_back_office_store_its_description_cleaned():
    staff = logged_in(StaffFactory(username="root", is_superuser=True))

    response = staff.post(
        "/admin/offer/range/add/", {"name": "Trail kit", "description": TYPED, "is_public": "on"}
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Range.objects.get(name="Trail kit").description == CLEANED


def test_staff_saving_a_category_in_the_back_office_store_its_descriptions_cleaned():
    staff = logged_in(StaffFactory(username="root", is_superuser=True))

    response = staff.post(
        "/admin/catalogue/category/add/",
        {
            "name": "Tents",
            "slug": "tents",
            "description": TYPED,
            "long_description": TYPED,
            "is_public": "on",
            "treebeard_position": "first-child",
            "treebeard_ref_node": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    category = Category.objects.get(slug="tents")
    assert (category.description, category.long_description) == (CLEANED, CLEANED)
