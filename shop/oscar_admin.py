"""Oscar's own admin screens for storefront records, made safe to submit.

Oscar registers admins for rows its storefront writes. Submitted half-filled,
several of them answered 500 instead of saying what is missing:

- a basket line and a voucher application cannot be added by hand at all (the
  fields that make them are read-only there): their add page is refused;
- a user address and a review vote run the model's own checks, which read the
  customer (and the review) before the form has said it is required: the checks
  now wait until those fields are filled in;
- an offer condition or benefit without a type (or a custom class) cannot even
  be named: one of the two is required.

Loaded by ``ShopConfig.ready()``, after the admin has imported every app's
``admin`` module.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from oscar.apps.address.admin import UserAddressAdmin as OscarUserAddressAdmin
from oscar.apps.basket.admin import LineAdmin as OscarBasketLineAdmin
from oscar.apps.catalogue.reviews.admin import VoteAdmin as OscarVoteAdmin
from oscar.apps.offer.admin import BenefitAdmin as OscarBenefitAdmin
from oscar.apps.offer.admin import ConditionAdmin as OscarConditionAdmin
from oscar.apps.voucher.admin import VoucherApplicationAdmin as OscarVoucherApplicationAdmin
from oscar.core.loading import get_model


class NoAddAdmin(admin.ModelAdmin):
    """Rows only the storefront writes; listed and opened as Oscar's admin does."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def model_checks_need(*required: str) -> type[forms.ModelForm]:
    """A model form that runs the model's own checks only once ``required``
    fields have values (the form reports them missing first)."""

    class Form(forms.ModelForm):
        def _post_clean(self) -> None:
            if all(
                self.cleaned_data.get(name) is not None
                or getattr(self.instance, f"{name}_id", None) is not None
                for name in required
            ):
                super()._post_clean()  # type: ignore[misc]

    return Form


class UserAddressAdmin(OscarUserAddressAdmin):
    form = model_checks_need("user")


class VoteAdmin(OscarVoteAdmin):
    form = model_checks_need("review", "user")


class TypedOfferPartForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("type") and not cleaned.get("proxy_class"):
            raise forms.ValidationError("Choose a type (or give a custom class).")
        return cleaned


class ConditionAdmin(OscarConditionAdmin):
    form = TypedOfferPartForm


class BenefitAdmin(OscarBenefitAdmin):
    form = TypedOfferPartForm


def register() -> None:
    replacements: list[tuple[Any, type[admin.ModelAdmin]]] = [
        (get_model("basket", "Line"), type("LineAdmin", (NoAddAdmin, OscarBasketLineAdmin), {})),
        (
            get_model("voucher", "VoucherApplication"),
            type("VoucherApplicationAdmin", (NoAddAdmin, OscarVoucherApplicationAdmin), {}),
        ),
        (get_model("address", "UserAddress"), UserAddressAdmin),
        (get_model("reviews", "Vote"), VoteAdmin),
        (get_model("offer", "Condition"), ConditionAdmin),
        (get_model("offer", "Benefit"), BenefitAdmin),
    ]
    for model, model_admin in replacements:
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)
