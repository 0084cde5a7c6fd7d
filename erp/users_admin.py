"""The user admin: Django's, with the rules of ``erp.users`` enforced on the server.

Superusers get the stock screens. Everyone else sees only the fields they may
change (no superuser flag, no permissions, no password of another person; the
role groups they may hand out), cannot open a superuser, a Manager or a
customer account for editing (view only, 403 on POST), and every save goes
through ``erp.users.user_save``, which refuses (403, nothing written) whatever
a crafted POST tries beyond that.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from erp import users

User = get_user_model()

_DATES = ("Important dates", {"fields": ("last_login", "date_joined")})


class BelowSuperuserChangeForm(UserChangeForm):
    password = None  # type: ignore[assignment]  # only superusers reach another's password


class StaffUserAdmin(UserAdmin):
    below_superuser_fieldsets = (
        (None, {"fields": ("username",)}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        _DATES,
    )
    below_superuser_add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Role", {"fields": ("groups",)}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.below_superuser_fieldsets if obj else self.below_superuser_add_fieldsets

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None and not request.user.is_superuser:
            kwargs["form"] = BelowSuperuserChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        # an existing account's e-mail receives its password resets (erp.users)
        email = ("email",) if obj is not None else ()
        return ("is_staff", "is_superuser", "last_login", "date_joined", *email)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups":
            kwargs["queryset"] = users.assignable_groups(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or users.may_manage(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = form.fields
        users.user_save(
            actor=request.user,
            user=obj,
            groups=form.cleaned_data["groups"] if "groups" in fields else None,
            user_permissions=(
                form.cleaned_data["user_permissions"] if "user_permissions" in fields else None
            ),
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # groups and permissions were set by users.user_save; the form must not set them again
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is not None:
            users.password_change_require(request.user, user)
        return super().user_change_password(request, id, form_url)


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
