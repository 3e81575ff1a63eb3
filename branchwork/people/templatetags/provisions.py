from __future__ import annotations

from django import template

from branchwork.people.provisions import item_label

register = template.Library()


@register.filter
def item_labels(names: list[str]) -> str:
    """The data items of a provision, by their field labels in the reader's language."""
    return ", ".join(item_label(str(n)) for n in names or [])
