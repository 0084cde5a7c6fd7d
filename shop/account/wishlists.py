"""Oscar's "new wish list with this product" page, when the product is gone.

Oscar's view redirects to an unnamespaced ``wishlists-create`` that does not
reverse (a 500 for any missing or deleted product id); this one says the
product no longer exists and opens the empty wish list form.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from oscar.core.loading import get_class, get_model

OscarWishListCreateView = get_class("customer.wishlists.views", "WishListCreateView")
Product = get_model("catalogue", "Product")


class WishListCreateWithProductView(OscarWishListCreateView):  # type: ignore[misc, valid-type]
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not Product.objects.filter(pk=kwargs["product_pk"]).exists():
            messages.error(request, _("The requested product no longer exists"))
            return redirect("customer:wishlists-create")
        return super().dispatch(request, *args, **kwargs)
