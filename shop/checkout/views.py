"""Checkout with a payment step: bank transfer (pay on invoice) or card.

The card is authorised at "Place order" through ``orders.payment_gateways`` and the
authorisation is saved with the order by Oscar's checkout mixin. If placing
the order then fails (the last units went to someone else a moment earlier),
the authorisation is voided and the customer is back at the basket with a
message naming each short product and how many are left.

The order confirmation is not sent from the request: placing the order records
it (``orders.utils.OrderCreator``), and a worker sends it after commit.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from oscar.apps.checkout import views
from oscar.apps.checkout.exceptions import FailedPreCondition
from oscar.apps.payment.exceptions import UnableToTakePayment
from oscar.core.loading import get_model

from crm import selectors as crm_selectors
from inventory.services import InsufficientStock
from orders import payment_gateways
from orders.payment_gateways import PaymentMethod
from orders.services import payments
from orders.services.errors import OrderError
from orders.services.placement import initial_status
from shop.checkout.forms import CardForm, PaymentMethodForm

Source = get_model("payment", "Source")


def chosen_method(view: Any) -> str:
    return view.checkout_session._get("payment", "method") or ""


def chosen_reference(view: Any) -> str:
    return view.checkout_session._get("order", "customer_reference") or ""


def is_buyer(request: HttpRequest) -> bool:
    return bool(getattr(getattr(request, "strategy", None), "shows_net_prices", False))


def buyer_company(request: HttpRequest) -> Any:
    strategy = getattr(request, "strategy", None)
    return strategy.company() if is_buyer(request) else None  # type: ignore[union-attr]


class ShippingAddressView(views.ShippingAddressView):
    """Oscar's shipping-address step; a B2B buyer also picks one of their
    company's shipping addresses and one of its billing addresses. The order
    gets copies of both (``crm.selectors.order_address_fields``)."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        company = buyer_company(self.request)
        context["company"] = company
        context["company_shipping_addresses"] = crm_selectors.company_addresses(
            company, kind="shipping"
        )
        context["company_billing_addresses"] = crm_selectors.company_addresses(
            company, kind="billing"
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "company_shipping_address" in request.POST:
            return self.ship_to_company_address(request)
        if "address_id" in request.POST and not (
            request.user.is_authenticated
            and request.user.addresses.filter(pk=_int_or_none(request.POST["address_id"])).exists()  # type: ignore[attr-defined]
        ):
            raise Http404("No such address in your address book.")
        return super().post(request, *args, **kwargs)

    def ship_to_company_address(self, request: HttpRequest) -> HttpResponse:
        """Another company's address (or none) is not found: 404, nothing stored."""
        company = buyer_company(request)
        shipping = crm_selectors.company_address_of(
            company, request.POST.get("company_shipping_address"), kind="shipping"
        )
        billing_pk = request.POST.get("company_billing_address", "")
        billing = (
            crm_selectors.company_address_of(company, billing_pk, kind="billing")
            if billing_pk
            else None
        )
        if shipping is None or (billing_pk and billing is None):
            raise Http404("No such address of your company.")
        self.checkout_session.ship_to_new_address(
            crm_selectors.order_address_fields(shipping, company)
        )
        if billing is not None:
            self.checkout_session.bill_to_new_address(
                crm_selectors.order_address_fields(billing, company)
            )
        return redirect(self.get_success_url())

    def form_valid(self, form: Any) -> HttpResponse:
        # a typed-in address replaces a company billing address chosen before
        self.checkout_session._flush_namespace("billing")
        return super().form_valid(form)


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class IndexView(views.IndexView):
    """Oscar's checkout gateway. Its "returning customer" sign-in is a login like
    any other: the form gets the request, so the login lockout (``erp.logins``)
    counts its failures and refuses a locked-out account here too."""

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


class PaymentMethodView(views.PaymentMethodView):
    template_name = "oscar/checkout/payment_method.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        default = PaymentMethod.ON_ACCOUNT if is_buyer(request) else PaymentMethod.TEST_CARD
        form = PaymentMethodForm(
            initial={
                "method": chosen_method(self) or default,
                "customer_reference": chosen_reference(self),
            },
            is_buyer=is_buyer(request),
        )
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = PaymentMethodForm(request.POST, is_buyer=is_buyer(request))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        self.checkout_session._set("payment", "method", form.cleaned_data["method"])
        self.checkout_session._set(
            "order", "customer_reference", form.cleaned_data.get("customer_reference", "")
        )
        return self.get_success_response()


class PaymentDetailsView(views.PaymentDetailsView):
    def get_pre_conditions(self, request: HttpRequest) -> list[str]:
        return [*super().get_pre_conditions(request), "check_payment_method_is_chosen"]

    def check_payment_method_is_chosen(self, request: HttpRequest) -> None:
        allowed = (
            payment_gateways.B2B_METHODS if is_buyer(request) else payment_gateways.CONSUMER_METHODS
        )
        if chosen_method(self) not in allowed:
            raise FailedPreCondition(
                url=reverse("checkout:payment-method"), message="Choose how you would like to pay."
            )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        method = chosen_method(self)
        context["payment_method"] = method
        context["customer_reference"] = chosen_reference(self) if is_buyer(self.request) else ""
        context["payment_method_name"] = (
            payment_gateways.GATEWAYS[method].name if method in payment_gateways.GATEWAYS else ""
        )
        if method == PaymentMethod.TEST_CARD:
            context.setdefault("card_form", CardForm())
        return context

    def handle_payment_details_submission(self, request: HttpRequest) -> HttpResponse:
        if chosen_method(self) != PaymentMethod.TEST_CARD:
            return self.render_preview(request)
        form = CardForm(request.POST)
        if not form.is_valid():
            return self.render_payment_details(request, card_form=form)
        return self.render_preview(request, card_form=form)

    def handle_place_order_submission(self, request: HttpRequest) -> HttpResponse:
        submission = self.build_submission()
        if chosen_method(self) == PaymentMethod.TEST_CARD:
            form = CardForm(request.POST)
            if not form.is_valid():
                return self.render_payment_details(
                    request, card_form=form, error="Please check your card details."
                )
            submission["payment_kwargs"]["card"] = form.card()
            submission["payment_kwargs"]["card_form"] = form
        return self.submit(**submission)

    def build_submission(self, **kwargs: Any) -> dict[str, Any]:
        submission = super().build_submission(**kwargs)
        submission["order_kwargs"].update(channel="web", payment_method=chosen_method(self))
        reference = chosen_reference(self) if is_buyer(self.request) else ""
        if reference:  # cleaned (orders.references) when the buyer typed it
            submission["order_kwargs"]["customer_reference"] = reference
        return submission

    def get_initial_order_status(self, basket: Any) -> str:
        return initial_status(chosen_method(self))

    def handle_payment(self, order_number: str, total: Any, **kwargs: Any) -> None:
        gateway = payment_gateways.gateway_for(chosen_method(self))
        card = kwargs.get("card")
        try:
            reference = gateway.authorise(amount=total.incl_tax, currency=total.currency, card=card)
        except payment_gateways.PaymentDeclined as declined:
            raise UnableToTakePayment(str(declined)) from declined
        self._authorisation = (gateway, reference)
        self.add_payment_source(
            Source(
                source_type_id=payments.source_type_id(gateway),
                currency=total.currency,
                amount_allocated=total.incl_tax if reference else 0,
                reference=reference,
                label=f"card ending {card.last4}" if card else "",
            )
        )
        if reference:
            self.add_payment_event("Authorise", total.incl_tax, reference=reference)

    def send_order_placed_email(self, order: Any) -> None:
        """Nothing to do here: the confirmation was recorded with the order, in its
        transaction, and a worker sends it (``orders.tasks.send_order_confirmation``),
        as for orders from every other channel."""

    def _void_authorisation(self) -> None:
        gateway, reference = getattr(self, "_authorisation", (None, ""))
        if gateway is not None and reference:
            gateway.void(reference=reference)

    def handle_order_placement(self, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().handle_order_placement(*args, **kwargs)
        except OrderError as refused:  # e.g. the company's credit limit
            self._void_authorisation()
            self.restore_frozen_basket()
            messages.error(self.request, str(refused))
            return redirect("checkout:payment-method")
        except InsufficientStock as shortage:
            # place_order rolled everything back; release the money, fix the basket
            self._void_authorisation()
            self.restore_frozen_basket()
            for line in shortage.shortages:
                messages.error(self.request, str(line))
            return redirect("basket:summary")
