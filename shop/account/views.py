"""The customer's order pages: tracking, cancel, returns, and the guest lookup.

Oscar's order detail and anonymous order-status views are extended, not
replaced (same URLs, mounted just before Oscar's): they add the timeline,
parcels with tracking links and returns; the anonymous page also accepts
orders of registered customers and matches e-mail addresses case-insensitively.
Writes go through ``orders.services``; every page that shows an order finds it
through the owner or through number + e-mail, so anyone else gets a 404.

The guest lookup (number + e-mail) is throttled per client address and per
e-mail address (``ORDER_LOOKUP_RATE``), and opens only guests' orders: an order of
a registered customer is shown to its owner, logged in, or through the signed
link of its confirmation e-mail (``orders.status_links``), never to whoever knows
the customer's e-mail address and guesses a number.

The password reset sends at most ``PASSWORD_RESET_RATE`` e-mails per e-mail
address and ``PASSWORD_RESET_ADDRESS_RATE`` per client address, and answers every
request with the same page, so it tells nobody which addresses have an account;
the worker looks the address up and sends the e-mail (``shop.tasks``), so the
request does the same work, and takes the same time, whether or not it has one.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST
from oscar.apps.customer import mixins as customer_mixins
from oscar.apps.customer import views as customer_views
from oscar.apps.customer.forms import PasswordResetForm

from erp.client_address import client_address
from erp.rate_limits import rate_limit_hit, wait_minutes
from orders.services import OrderError, order_cancel, return_request_create
from shop.account import selectors
from shop.account.forms import OrderLookupForm, ReturnRequestForm

#: the session key Oscar's anonymous order views read the e-mail address from
ANON_ORDER_EMAIL = "anon_order_email"
NOT_FOUND = "We could not find an order with that number and e-mail address."
ACCOUNT_ORDER = (
    "This order belongs to a customer account: log in to see it, or open the link "
    "in the order confirmation e-mail."
)
OTHER_ACCOUNTS_ORDER = (
    "This order belongs to another customer account: log in as that customer, or "
    "open the link in the order confirmation e-mail."
)


def too_many_lookups(seconds: int) -> str:
    minutes = wait_minutes(seconds)
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many order look-ups; please try again in {minutes} {unit}."


def _customer_order_or_404(request: HttpRequest, order_number: str) -> Any:
    order = selectors.customer_order(user=request.user, number=order_number)
    if order is None:
        raise Http404("No such order.")
    return order


class OrderHistoryView(customer_views.OrderHistoryView):
    """Oscar's order history (same URL, filter form and paging) with each order's
    status and item count read in the page's one query."""

    def get_queryset(self) -> Any:
        orders = selectors.order_history(user=self.request.user)
        if self.form.is_bound and self.form.is_valid():
            orders = orders.filter(**self.form.get_filters())
        return orders


class OrderDetailView(customer_views.OrderDetailView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tracking"] = selectors.order_tracking(self.object)
        context["documents"] = selectors.order_documents(user=self.request.user, order=self.object)
        return context


@login_required
@require_POST
def order_cancel_view(request: HttpRequest, order_number: str) -> HttpResponse:
    order = _customer_order_or_404(request, order_number)
    try:
        order_cancel(order=order, user=request.user, by_customer=True)
    except OrderError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, f"Order {order.number} has been cancelled. You will not be charged for it."
        )
    return redirect("customer:order", order_number=order.number)


@login_required
def order_return_view(request: HttpRequest, order_number: str) -> HttpResponse:
    order = _customer_order_or_404(request, order_number)
    eligibility = selectors.return_eligibility(order)
    if not eligibility.lines:
        messages.info(request, eligibility.refusal)
        return redirect("customer:order", order_number=order.number)
    form = ReturnRequestForm(request.POST or None, lines=eligibility.lines)
    if request.method == "POST" and form.is_valid():
        try:
            return_request = return_request_create(
                order=order, items=form.items(), user=request.user
            )
        except OrderError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                f"We have received your return request {return_request.number} for order "
                f"{order.number}. We will e-mail you how to send the items back.",
            )
            return redirect("customer:order", order_number=order.number)
    context = {
        "order": order,
        "form": form,
        "deadline": eligibility.deadline,
        "page_title": f"Return items of order #{order.number}",
        "active_tab": "orders",
    }
    return render(request, "shop/account/order_return.html", context)


def order_lookup_view(request: HttpRequest) -> HttpResponse:
    """Guests check an order by number and e-mail; customers are sent to their account."""
    form = OrderLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        wait = rate_limit_hit(
            "order-lookup", settings.ORDER_LOOKUP_RATE, client_address(request), email
        )
        if wait:
            form.add_error(None, too_many_lookups(wait))
            response = render(request, "shop/account/order_lookup.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        order = selectors.order_for_lookup(number=form.cleaned_data["order_number"], email=email)
        if order is None:
            form.add_error(None, NOT_FOUND)
        elif order.user_id is None:
            request.session[ANON_ORDER_EMAIL] = order.email
            return redirect(
                "customer:anon-order", order_number=order.number, hash=order.verification_hash()
            )
        elif order.user_id == request.user.pk:
            return redirect("customer:order", order_number=order.number)
        elif request.user.is_authenticated:
            form.add_error(None, OTHER_ACCOUNTS_ORDER)
        else:
            messages.info(request, ACCOUNT_ORDER)
            return redirect_to_login(reverse("customer:order", args=[order.number]))
    return render(request, "shop/account/order_lookup.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Oscar's password reset (same form, e-mail and pages), throttled."""

    form_class = PasswordResetForm
    success_url = reverse_lazy("password-reset-done")
    template_name = "oscar/registration/password_reset_form.html"

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        over_email = rate_limit_hit("password-reset-email", settings.PASSWORD_RESET_RATE, email)
        over_address = rate_limit_hit(
            "password-reset-address",
            settings.PASSWORD_RESET_ADDRESS_RATE,
            client_address(self.request),
        )
        if not (over_email or over_address):
            # a refusal answers the same page as after a sent e-mail (it names the
            # limit), so it tells nobody whether the address has an account
            from erp.services.broker import task_enqueue
            from shop.tasks import send_password_reset

            task_enqueue(task=send_password_reset, args=[form.cleaned_data["email"]])
        return HttpResponseRedirect(self.get_success_url())


class AnonymousOrderMixin(customer_mixins.AnonymousOrderMixin):
    def get_object(self) -> Any:
        return selectors.order_for_status_page(
            number=self.order_number, verification_hash=self.hash, email=self.email
        )


class AnonymousOrderFormView(AnonymousOrderMixin, customer_views.AnonymousOrderFormView):
    pass


class AnonymousOrderDetailView(AnonymousOrderMixin, customer_views.AnonymousOrderDetailView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tracking"] = selectors.order_tracking(self.object)
        return context


@login_required
def invoice_list_view(request: HttpRequest) -> HttpResponse:
    """The customer's invoices and credit notes, newest first."""
    invoices = selectors.customer_invoices(user=request.user)
    context = {
        "invoices": invoices,
        "page_title": "Invoices",
        "active_tab": "invoices",
    }
    return render(request, "shop/account/invoice_list.html", context)


@login_required
def invoice_pdf_view(request: HttpRequest, number: str) -> HttpResponse:
    """One of the customer's own invoices as PDF; anyone else's is a 404."""
    from accounting.pdf import invoice_pdf

    invoice = selectors.customer_invoice(user=request.user, number=number)
    if invoice is None:
        raise Http404("No such invoice.")
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


MAX_UPLOAD = 256 * 1024


@login_required
def quick_order_view(request: HttpRequest) -> HttpResponse:
    """Paste or upload 'SKU quantity' lines; good lines go to the basket."""
    from shop.account.quick_order import quick_order

    text = ""
    if request.method == "POST":
        text = request.POST.get("lines", "")
        upload = request.FILES.get("file")
        if upload is not None:
            if (upload.size or 0) > MAX_UPLOAD:
                messages.error(request, "That file is larger than 256 KB; paste the lines instead.")
                return render(request, "shop/account/quick_order.html", {"text": text})
            try:
                text += "\n" + upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                messages.error(request, "That file is not a text or CSV file.")
                return render(request, "shop/account/quick_order.html", {"text": text})
        if not text.strip():
            messages.error(request, "Enter at least one line: an SKU or EAN and a quantity.")
        else:
            result = quick_order(
                basket=request.basket,  # type: ignore[attr-defined]
                strategy=request.strategy,  # type: ignore[attr-defined]
                text=text,
            )
            for problem in result.problems:
                messages.error(request, problem)
            if result.added:
                messages.success(request, "Added to your basket: " + ", ".join(result.added) + ".")
                return redirect("basket:summary")
    context = {"text": text, "page_title": "Quick order", "active_tab": "quick-order"}
    return render(request, "shop/account/quick_order.html", context)


@login_required
def statement_view(request: HttpRequest) -> HttpResponse:
    """A B2B buyer's account: open invoices, balance, credit available."""
    statement = selectors.account_statement(user=request.user)
    if statement is None:
        raise Http404("Only business accounts have a statement.")
    context = {"statement": statement, "page_title": "Account statement", "active_tab": "statement"}
    response = render(request, "shop/account/statement.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
