"""Charts of the financial reports: inline SVG drawn on the server.

No JavaScript; readable by screen readers (a title and per-bar values) and
printable. Every part of the markup is escaped by ``format_html``.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

ZERO = Decimal("0")


def _amount(value: Decimal | float) -> str:
    return f"{value:,.2f}"


def _nice_step(rough: float) -> float:
    """A round gridline step (1, 2 or 5 times a power of ten) near ``rough``."""
    if rough <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 5, 10):
        if factor * power >= rough:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class ChartSeries:
    name: str
    colour: str
    values: Sequence[Decimal]


def bar_chart_svg(
    *, title: str, labels: Sequence[str], series: Sequence[ChartSeries], height: int = 260
) -> SafeString:
    """Grouped bars, one group per label and one bar per series, with gridlines,
    a legend and each bar's value as its tooltip (and for screen readers)."""
    left, right, top, bottom = 80, 12, 34, height - 28
    bar_width = 18
    group_width = bar_width * len(series) + 14
    width = left + group_width * max(len(labels), 1) + right
    values = [float(value) for line in series for value in line.values]
    highest, lowest = max([0.0, *values]), min([0.0, *values])
    step = _nice_step((highest - lowest) / 4)
    axis_top = math.ceil(highest / step) * step or step
    axis_bottom = math.floor(lowest / step) * step
    scale = (bottom - top) / (axis_top - axis_bottom)

    def y(value: float) -> float:
        return round(top + (axis_top - value) * scale, 1)

    chart_id = "chart-" + slugify(title)
    parts: list[str] = [
        format_html(
            '<svg class="report-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            'aria-labelledby="{}" viewBox="0 0 {} {}" width="{}" height="{}">'
            '<title id="{}">{}</title>',
            chart_id,
            width,
            height,
            width,
            height,
            chart_id,
            title,
        )
    ]
    ticks = round((axis_top - axis_bottom) / step)
    for index in range(ticks + 1):
        value = axis_bottom + index * step
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#555">{}</text>',
                left,
                width - right,
                y(value),
                y(value),
                "#888" if value == 0 else "#e2e2e2",
                left - 6,
                y(value) + 4,
                f"{value:,.0f}",
            )
        )
    for group, label in enumerate(labels):
        x = left + group * group_width + 7
        for line in series:
            value = float(line.values[group])
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} {}: {}</title></rect>",
                    x,
                    min(y(value), y(0)),
                    bar_width - 2,
                    round(abs(y(value) - y(0)), 1),
                    line.colour,
                    line.name,
                    label,
                    _amount(line.values[group]),
                )
            )
            x += bar_width
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#333">{}</text>',
                left + group * group_width + group_width / 2,
                bottom + 16,
                label,
            )
        )
    legend_x = left
    for line in series:
        parts.append(
            format_html(
                '<rect x="{}" y="8" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="18" font-size="12" fill="#333">{}</text>',
                legend_x,
                line.colour,
                legend_x + 16,
                line.name,
            )
        )
        legend_x += 24 + 8 * len(line.name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html


def stacked_bar_svg(
    *, title: str, segments: Sequence[tuple[str, Decimal, str]], width: int = 640
) -> SafeString:
    """One horizontal bar split into (label, amount, colour) segments by share,
    with a legend of amounts and percentages below."""
    bar_height, legend_top, line_height = 34, 52, 20
    height = legend_top + line_height * len(segments)
    total = sum((amount for _, amount, _ in segments if amount > 0), ZERO)
    chart_id = "chart-" + slugify(title)
    parts: list[str] = [
        format_html(
            '<svg class="report-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            'aria-labelledby="{}" viewBox="0 0 {} {}" width="{}" height="{}">'
            '<title id="{}">{}</title>'
            '<rect x="0" y="6" width="{}" height="{}" fill="#eee"/>',
            chart_id,
            width,
            height,
            width,
            height,
            chart_id,
            title,
            width,
            bar_height,
        )
    ]
    x = 0.0
    for index, (label, amount, colour) in enumerate(segments):
        share = float(amount / total) if total and amount > 0 else 0.0
        if share:
            parts.append(
                format_html(
                    '<rect x="{}" y="6" width="{}" height="{}" fill="{}">'
                    "<title>{}: {} ({}%)</title></rect>",
                    round(x, 1),
                    round(share * width, 1),
                    bar_height,
                    colour,
                    label,
                    _amount(amount),
                    f"{share * 100:.0f}",
                )
            )
            x += share * width
        top = legend_top + index * line_height
        parts.append(
            format_html(
                '<rect x="0" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="18" y="{}" font-size="12" fill="#333">{}: {} ({}%)</text>',
                top - 10,
                colour,
                top,
                label,
                _amount(amount),
                f"{share * 100:.0f}",
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html
