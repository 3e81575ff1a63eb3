"""Forms at the edge: run a service on a valid POST, or show its errors on the form's fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import PermissionDeniedError


def apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@dataclass(frozen=True)
class Done:
    """A form that was submitted and whose service call succeeded, with what it returned."""

    result: Any


def submit(
    request: HttpRequest,
    form: forms.BaseForm,
    run: Callable[[dict[str, Any]], object],
    *,
    success: str,
) -> Done | None:
    """On a valid POST, call ``run(cleaned_data)``; on success flash ``success`` and return
    Done, otherwise leave the service's errors on the form and return None."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = run(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None
    messages.success(request, success)
    return Done(result)


__all__ = ["NON_FIELD_ERRORS", "Done", "apply_errors", "perform", "submit"]


def perform(
    request: HttpRequest,
    call: Callable[[], object],
    *,
    success: str | Callable[[Any], str],
) -> HttpResponse | None:
    """Run a service that takes no form (a button): flash its success (a text, or one made
    from what it returned) or its refusals. A missing permission answers 403; otherwise None,
    and the view redirects where it would anyway."""
    try:
        result = call()
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return None
