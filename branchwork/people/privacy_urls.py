"""URLs of the data's life: retention rules and purge, provisions to third parties. Included in
the people URLs (namespace ``people``)."""

from django.urls import path

from . import provision_views, retention_views

urlpatterns = [
    path("privacy/retention/", retention_views.rules, name="retention"),
    path("privacy/retention/preview/", retention_views.preview, name="retention-preview"),
    path("privacy/retention/purge/", retention_views.purge, name="retention-purge"),
    path("privacy/retention/<slug:kind>/", retention_views.rule_edit, name="retention-edit"),
    path("privacy/provisions/", provision_views.provision_list, name="provisions"),
    path("privacy/provisions/csv/", provision_views.provision_csv, name="provisions-csv"),
    path("people/<int:pk>/provisions/add/", provision_views.provision_add, name="provision-add"),
]
