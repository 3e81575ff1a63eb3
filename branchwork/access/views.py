"""Sign-in, second factor, invitations, API tokens and grants on a unit."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import apply_errors
from branchwork.core.qr import data_uri
from branchwork.org.models import Term
from branchwork.org.selectors import get_unit_for

from . import audit, services
from .client import client_address
from .forms import AcceptInvitationForm, ApiTokenForm, GrantForm, InviteForm, TokenForm
from .models import ApiToken, Grant, Invitation, User
from .ratelimit import hit
from .scoping import scope_for


def client_ip(request: HttpRequest) -> str:
    """The client's address, behind trusted proxies too (kept for callers of this name)."""
    return client_address(request)


class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit, window = settings.SIGNIN_RATE_LIMIT
        if not hit(f"signin:{client_ip(request)}", limit, window):
            return render(request, "access/locked_out.html", status=429)
        return super().post(request, *args, **kwargs)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import logout

    logout(request)
    return redirect("access:login")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("access:two-factor-verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"].strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_recovery_codes(user)
                audit.record(actor=user, action="two_factor_enabled", obj=device)
            otp_login(request, device)
            request.session["recovery_codes"] = codes
            return redirect("access:recovery-codes")
        form.add_error(
            "otp_token", _("That code is not right. Check the time on your phone and try again.")
        )
    qr = data_uri(device.config_url)
    b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "access/two_factor_setup.html",
        {"form": form, "qr": qr, "secret": b32},
    )


def _new_recovery_codes(user: Any) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery")
    device.token_set.all().delete()
    # 48 random bits each, grouped for reading aloud: "3f2a-91bc-07de" (fits StaticToken's 16).
    codes = ["-".join(secrets.token_hex(2) for _ in range(3)) for _ in range(10)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop("recovery_codes", None)
    if request.method == "POST" and request.user.is_verified():  # type: ignore[union-attr]
        codes = _new_recovery_codes(request.user)
        audit.record(
            actor=request.user,
            action="recovery_codes_renewed",
            object_type="access.user",
            object_id=str(request.user.pk),
        )
    return render(request, "access/recovery_codes.html", {"codes": codes})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        limit, window = 10, 300
        if not hit(f"otp:{request.user.pk}", limit, window):
            return render(request, "access/locked_out.html", status=429)
        token = form.cleaned_data["otp_token"].strip().replace(" ", "")
        device = match_token(request.user, token)
        if device is not None:
            otp_login(request, device)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                target = ""
            return redirect(target or settings.LOGIN_REDIRECT_URL)
        form.add_error("otp_token", _("That code is not right. Try again."))
    return render(request, "access/two_factor_verify.html", {"form": form})


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation: Invitation | None = services.find_invitation(token)
        error = None
    except ValidationError as exc:
        invitation, error = None, exc.message_dict.get("token", [""])[0]
    if invitation is None:
        return render(request, "access/invitation.html", {"error": error}, status=404)
    form = AcceptInvitationForm(request.POST or None, initial={"username": invitation.email})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                raw_token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome. Your account is ready."))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "access/invitation.html", {"invitation": invitation, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = ApiTokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw = services.create_api_token(
                user=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
            form = ApiTokenForm()
        except ValidationError as exc:
            apply_errors(form, exc)
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")[:50]
    return render(request, "access/api_tokens.html", {"form": form, "tokens": tokens, "raw": raw})


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    assert isinstance(request.user, User)
    services.revoke_api_token(user=request.user, token=token)
    messages.success(request, _("The token is revoked."))
    return redirect("access:api-tokens")


@login_required
@require_http_methods(["GET", "POST"])
def unit_access(request: HttpRequest, code: str) -> HttpResponse:
    """Grants on a unit, with forms to grant a role to an existing user or invite a new one."""
    unit = get_unit_for(request.user, code)
    scope = scope_for(request.user)
    if not scope.has("admin", unit):
        return render(request, "403.html", status=403)
    grant_form = GrantForm(
        request.POST if request.POST.get("form") == "grant" else None, prefix="grant"
    )
    grant_form.fields["term"].queryset = (  # type: ignore[attr-defined]
        Term.objects.current().filter(unit=unit).select_related("post_type", "person")
    )
    invite_form = InviteForm(
        request.POST if request.POST.get("form") == "invite" else None, prefix="invite"
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "grant" and grant_form.is_valid():
                data = grant_form.cleaned_data
                grantee = User.objects.filter(username=data["username"], is_active=True).first()
                if grantee is None:
                    grant_form.add_error("username", _("No active user has this user name."))
                else:
                    services.grant_role(
                        actor=request.user,
                        user=grantee,
                        role=data["role"],
                        unit=unit,
                        valid_from=data["valid_from"],
                        valid_until=data["valid_until"],
                        term=data["term"],
                    )
                    messages.success(request, _("The role is granted."))
                    return redirect("access:unit-access", code=unit.code)
            elif request.POST.get("form") == "invite" and invite_form.is_valid():
                data = invite_form.cleaned_data
                services.invite(
                    actor=request.user,
                    email=data["email"],
                    role=data["role"],
                    unit=unit,
                    valid_until=data["valid_until"],
                )
                messages.success(request, _("The invitation is sent."))
                return redirect("access:unit-access", code=unit.code)
        except ValidationError as exc:
            apply_errors(grant_form if request.POST.get("form") == "grant" else invite_form, exc)
    grants = (
        scope.filter(Grant.objects.active(), "admin", path_field="unit__path")
        .filter(unit__path__startswith=unit.path)
        .select_related("user", "role", "unit")
        .order_by("unit__path", "user__username")[:200]
    )
    invitations = (
        Invitation.objects.filter(unit=unit, accepted_at__isnull=True)
        .select_related("role")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "access/unit_access.html",
        {
            "unit": unit,
            "grants": grants,
            "invitations": invitations,
            "grant_form": grant_form,
            "invite_form": invite_form,
        },
    )


@login_required
@require_POST
def revoke_grant(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    scope = scope_for(request.user)
    grant = (
        scope.filter(
            Grant.objects.filter(unit__path__startswith=unit.path), "admin", path_field="unit__path"
        )
        .select_related("unit", "user")
        .filter(pk=pk)
        .first()
    )
    if grant is None:
        from django.http import Http404

        raise Http404
    try:
        services.revoke_grant(actor=request.user, grant=grant)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    messages.success(request, _("The grant is revoked."))
    return redirect("access:unit-access", code=unit.code)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "access/password_reset.html"
    email_template_name = "access/password_reset_email.txt"
    subject_template_name = "access/password_reset_subject.txt"
    success_url = "/accounts/password-reset/sent/"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not hit(f"reset:{client_ip(request)}", 5, 3600):
            return render(request, "access/locked_out.html", status=429)
        return super().post(request, *args, **kwargs)


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own page: password, second factor, tokens, roles."""
    user = request.user
    assert isinstance(user, User)
    scope = scope_for(user)
    grants = (
        Grant.objects.active()
        .filter(user=user)
        .select_related("role", "unit")
        .order_by("unit__path")
    )
    return render(
        request,
        "access/account.html",
        {
            "grants": grants,
            "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "needs_totp": services.needs_two_factor(user),
            "scope_empty": scope.is_empty,
        },
    )


def _has_usable_tokens(user: Any) -> bool:
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


def _tokens_revoked_notice(request: HttpRequest) -> None:
    messages.info(
        request,
        _("Your API tokens were revoked with the old password. Make new ones where you need them."),
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "access/password_change.html"
    success_url = "/accounts/"

    def form_valid(self, form: Any) -> HttpResponse:
        had_tokens = _has_usable_tokens(self.request.user)
        response = super().form_valid(form)  # the tokens are revoked as the user is saved
        audit.record(
            actor=self.request.user,
            action="password_changed",
            object_type="access.user",
            object_id=str(self.request.user.pk),
        )
        messages.success(self.request, _("Your password is changed."))
        if had_tokens:
            _tokens_revoked_notice(self.request)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "access/password_reset_confirm.html"
    success_url = "/accounts/reset/done/"

    def form_valid(self, form: Any) -> HttpResponse:
        had_tokens = _has_usable_tokens(form.user)
        response = super().form_valid(form)  # the tokens are revoked as the user is saved
        audit.record(
            actor=form.user,
            action="password_reset",
            object_type="access.user",
            object_id=str(form.user.pk),
        )
        if had_tokens:
            _tokens_revoked_notice(self.request)
        return response
