from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from oscar.apps.checkout import views

from inventory.services import InsufficientStock


class PaymentDetailsView(views.PaymentDetailsView):
    def handle_order_placement(self, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().handle_order_placement(*args, **kwargs)
        except InsufficientStock as shortage:
            # place_order rolled everything back; the basket is the place to fix it
            self.restore_frozen_basket()
            for line in shortage.shortages:
                messages.error(self.request, str(line))
            return redirect("basket:summary")
