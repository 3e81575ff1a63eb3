from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def postal(value: str) -> str:
    """Show a Japanese postal code as 123-4567 (stored as seven digits)."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 else str(value or "")


@register.filter
def yen(value: object) -> str:
    """A whole amount of yen, grouped by thousands: ¥1,234 (negative: −¥1,234)."""
    if value is None or value == "":
        return ""
    try:
        amount = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)
    return f"−¥{-amount:,}" if amount < 0 else f"¥{amount:,}"


@register.filter
def yen_abs(value: object) -> str:
    """An entry's amount without its sign (the column says which side it is on)."""
    try:
        return yen(abs(int(value)))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)
