"""The product form of the back office keeps the barcode rules (inventory.product_codes)."""

import pytest
from django.forms import modelform_factory
from oscar.core.loading import get_model

from shop.admin import ProductForm
from tests.factories import ProductFactory

Product = get_model("catalogue", "Product")


@pytest.mark.django_db
def test_the_product_form_refuses_a_barcode_with_a_wrong_check_digit():
    form_class = modelform_factory(Product, form=ProductForm, fields=["upc", "title"])

    wrong = form_class(data={"upc": "4006381333932", "title": "Lamp"})
    typed_with_blanks = form_class(data={"upc": "4006 3813 3393 1", "title": "Lamp"})
    none = form_class(data={"upc": "", "title": "Lamp"})

    for form in (wrong, typed_with_blanks, none):
        form.is_valid()
    assert "wrong check digit" in str(wrong.errors["upc"])
    assert "upc" not in typed_with_blanks.errors
    assert typed_with_blanks.cleaned_data["upc"] == "4006381333931"
    assert "upc" not in none.errors and none.cleaned_data["upc"] is None

    ProductFactory(upc="4006381333931")
    taken = form_class(data={"upc": "4006-3813-3393-1", "title": "Lamp"})
    taken.is_valid()
    assert "already exists" in str(taken.errors["upc"])
