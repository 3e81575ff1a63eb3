"""Errors that services raise and every edge (form, API, CLI) turns into a clear message."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    """A ValidationError that names the field at fault (``__all__`` for the whole object)."""
    return ValidationError({field: [ValidationError(message, code=code)]})


class PermissionDeniedError(Exception):
    """The actor lacks a permission on a unit it can see (a 403, not a 404)."""
