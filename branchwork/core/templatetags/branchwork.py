from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def postal(value: str) -> str:
    """Show a Japanese postal code as 123-4567 (stored as seven digits)."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 else str(value or "")
