from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("accounts/", views.account, name="account"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("accounts/two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("accounts/two-factor/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("accounts/invitation/<str:token>/", views.accept_invitation, name="accept-invitation"),
    path("accounts/tokens/", views.api_tokens, name="api-tokens"),
    path("accounts/tokens/<int:pk>/revoke/", views.revoke_api_token, name="revoke-api-token"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="access/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="access/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("units/<str:code>/access/", views.unit_access, name="unit-access"),
    path("units/<str:code>/access/<int:pk>/revoke/", views.revoke_grant, name="revoke-grant"),
]
