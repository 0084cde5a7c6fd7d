"""Catalogue browse, category and search pages on PostgreSQL.

The class names are the ones Oscar's catalogue and search apps load with
``get_class``, so Oscar's URLs and templates use these views unchanged. A search
text the form refuses (longer than 200 characters, a NUL) lists no products and
says why; it never falls back to the whole catalogue.
"""

from typing import Any
from urllib.parse import unquote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView
from oscar.core.loading import get_model

from shop import selectors
from shop.search.forms import SearchForm

Category = get_model("catalogue", "Category")


class ProductListView(ListView):
    context_object_name = "products"
    form_class = SearchForm
    categories: Any = None

    def get_paginate_by(self, queryset: Any) -> int:
        from django.conf import settings

        return settings.OSCAR_PRODUCTS_PER_PAGE

    def get_form(self) -> SearchForm:
        return self.form_class(self.request.GET)

    def get_queryset(self) -> Any:
        self.form = self.get_form()
        products = selectors.storefront_products(
            query=self.form.query, ordering=self.form.ordering, categories=self.categories
        )
        if self.form.query_errors:
            # a search that cannot run finds nothing, and says why
            for error in self.form.query_errors:
                messages.error(self.request, _("Search: %(error)s") % {"error": error})
            return products.none()
        return products

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            messages.error(request, _("The given page number was invalid."))
            return redirect(request.path)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # evaluate the page once, and price it in one go (B2B buyers' quotes)
        page_products = list(context["page_obj"].object_list)
        context["products"] = context["object_list"] = page_products
        strategy = getattr(self.request, "strategy", None)
        if strategy is not None and hasattr(strategy, "prepare"):
            strategy.prepare(page_products)
        # when sold-out products are expected back, read with the page
        # (shop.selectors, templatetags/expected_arrival.py)
        context["expected_dates"] = {
            p.pk: p.expected_date for p in page_products if getattr(p, "expected_date", None)
        }
        context["form"] = self.form
        context["search_form"] = self.form
        context["selected_facets"] = []
        context["page"] = context["page_obj"]
        return context


class CatalogueView(ProductListView):
    template_name = "oscar/catalogue/browse.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["summary"] = _("All products")
        return context


class ProductCategoryView(ProductListView):
    template_name = "oscar/catalogue/category.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.category = get_object_or_404(Category, pk=self.kwargs["pk"])
        if not (self.category.is_public or request.user.is_staff):
            raise Http404()
        expected_path = self.category.get_absolute_url()
        if unquote(expected_path) != unquote(request.path):
            return HttpResponsePermanentRedirect(expected_path)
        self.categories = self.category.get_descendants_and_self()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["category"] = self.category
        context["summary"] = self.category.name
        return context


class FacetedSearchView(ProductListView):
    template_name = "oscar/search/results.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["query"] = context["q"] = self.form.query
        return context
