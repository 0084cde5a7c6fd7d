"""The home page's chart of the last 30 days' sales: inline SVG drawn on the
server (no script, so nothing for the Content-Security-Policy to forbid), each
bar with its day, orders and amount as its title (a tooltip, and what screen
readers read)."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from oscar.templatetags.currency_filters import currency as money

WIDTH, HEIGHT = 760, 200
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 12, 172
BAR_COLOUR = "#417690"  # the admin's own blue


def _axis_top(highest: Decimal) -> Decimal:
    """A round number at or above ``highest`` (1, 2 or 5 times a power of ten)."""
    if highest <= 0:
        return Decimal("100")
    power = Decimal(10) ** (len(str(int(highest))) - 1)
    for factor in (1, 2, 5, 10):
        if factor * power >= highest:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def sales_chart_svg(
    *, days: Sequence[tuple[date, Decimal, int]], currency: str, title: str
) -> SafeString:
    """One bar per (day, amount, orders), oldest on the left; Mondays labelled."""
    top = _axis_top(max((amount for _, amount, _ in days), default=Decimal("0")))
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)

    def y(amount: Decimal) -> float:
        return round(BOTTOM - float(amount / top) * (BOTTOM - TOP), 1)

    parts: list[str] = [
        format_html(
            '<svg class="bo-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            'aria-labelledby="sales-chart-title" viewBox="0 0 {} {}" '
            'preserveAspectRatio="xMinYMin meet"><title id="sales-chart-title">{}</title>',
            WIDTH,
            HEIGHT,
            title,
        )
    ]
    for fraction in (Decimal("0"), Decimal("0.5"), Decimal("1")):
        value = top * fraction
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#555">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                y(value),
                y(value),
                "#888" if not value else "#e2e2e2",
                LEFT - 6,
                y(value) + 4,
                f"{value:,.0f}",
            )
        )
    for index, (day, amount, orders) in enumerate(days):
        x = round(LEFT + index * slot + 2, 1)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                "<title>{}: {} order{}, {}</title></rect>",
                x,
                y(amount),
                round(slot - 4, 1),
                round(BOTTOM - y(amount), 1),
                BAR_COLOUR,
                f"{day:%a} {day.day} {day:%b}",
                orders,
                "" if orders == 1 else "s",
                money(amount, currency),
            )
        )
        if day.weekday() == 0:
            near_the_end = x > WIDTH - RIGHT - 60  # anchored at its end, so it is not cut off
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="{}" font-size="11" fill="#333">{}</text>',
                    round(x + slot - 4, 1) if near_the_end else x,
                    BOTTOM + 16,
                    "end" if near_the_end else "start",
                    f"Mon {day.day} {day:%b}",
                )
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html
