"""``{% backoffice_bar %}``: the role's screens as a bar on every back-office page."""

from typing import Any

from django import template

from backoffice.navigation import bar_for

register = template.Library()


@register.inclusion_tag("admin/backoffice/bar.html", takes_context=True)
def backoffice_bar(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not (user.is_active and user.is_staff):
        return {"screens": []}
    return {"screens": bar_for(user), "path": request.path}
