from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def postal(value: str) -> str:
    """Show a Japanese postal code as 123-4567 (stored as seven digits)."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 else str(value or "")


SYMBOLS = {"JPY": "¥", "KRW": "₩", "USD": "$", "EUR": "€", "GBP": "£"}


@register.filter
def money(value: object, currency: str = "JPY") -> str:
    """An amount in a currency's minor unit, shown in its major unit with the currency's own
    number of decimals (``BRANCHWORK_CURRENCIES``): ¥1,234, $12.50, −¥1,234."""
    from django.conf import settings

    if value is None or value == "":
        return ""
    try:
        amount = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)
    code = (currency or "JPY").upper()
    minor = int(dict(getattr(settings, "BRANCHWORK_CURRENCIES", {"JPY": 0})).get(code, 0))
    sign = "−" if amount < 0 else ""
    whole, part = divmod(abs(amount), 10**minor)
    text = f"{whole:,}" + (f".{part:0{minor}d}" if minor else "")
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {code}"


@register.filter
def money_abs(value: object, currency: str = "JPY") -> str:
    """An entry's amount without its sign (the column says which side it is on)."""
    try:
        return money(abs(int(value)), currency)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)


@register.filter
def yen(value: object) -> str:
    """A whole amount of yen: ¥1,234 (negative: −¥1,234)."""
    return money(value, "JPY")


@register.simple_tag
def sparkline(values: list[float | None], width: int = 96, height: int = 24) -> str:
    """A small line of 0–100 values as inline SVG (gaps where a month has none), drawn on the
    server: no script, no style attribute."""
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(values) < 2 or not points:
        return ""
    step = width / (len(values) - 1)
    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
            continue
        y = height - 2 - (max(0.0, min(100.0, float(v))) / 100.0) * (height - 4)
        runs[-1].append(f"{i * step:.1f},{y:.1f}")
    lines = "".join(
        f'<polyline points="{" ".join(run)}" fill="none" stroke="currentColor" stroke-width="1.5"/>'
        for run in runs
        if len(run) > 1
    )
    dots = "".join(
        f'<circle cx="{run[0].split(",")[0]}" cy="{run[0].split(",")[1]}" r="1.5" fill="currentColor"/>'
        for run in runs
        if len(run) == 1
    )
    return format_html(
        '<svg class="spark" width="{}" height="{}" viewBox="0 0 {} {}" aria-hidden="true"'
        ' focusable="false">{}</svg>',
        width,
        height,
        width,
        height,
        mark_safe(lines + dots),  # noqa: S308 - numbers formatted above, nothing from a user
    )
