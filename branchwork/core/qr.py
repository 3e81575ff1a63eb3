"""QR codes as the pages show them (segno): one look for the sign-in key, event tickets, the
congress door and voting passes."""

from __future__ import annotations

import segno


def data_uri(text: str) -> str:
    """An SVG image of ``text``'s QR code, as a ``data:`` URI for an ``<img>`` on a page."""
    return str(segno.make(text, error="m").svg_data_uri(scale=5, dark="#111"))


def inline_svg(text: str, scale: int = 3) -> str:
    """The QR code as inline SVG, for a printed page (the printer fetches nothing but fonts)."""
    return str(segno.make(text, error="m").svg_inline(scale=scale, dark="#000", omitsize=True))
