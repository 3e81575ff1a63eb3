from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("people/", views.person_list, name="list"),
    path("people/new/", views.person_create, name="create"),
    path("people/<int:pk>/", views.person_detail, name="detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="edit"),
    path("people/<int:pk>/sensitive/", views.sensitive_edit, name="sensitive"),
    path("people/<int:pk>/relationships/add/", views.relationship_add, name="relationship-add"),
    path("people/<int:pk>/memberships/add/", views.membership_add, name="membership-add"),
    path("people/<int:pk>/household/new/", views.household_create, name="household-create"),
    path("people/<int:pk>/consents/add/", views.consent_add, name="consent-add"),
    path(
        "people/<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent-withdraw",
    ),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/move/", views.household_move, name="household-move"),
]

# Retention and provisions to third parties (their own modules).
from .privacy_urls import urlpatterns as privacy_urlpatterns  # noqa: E402

urlpatterns += privacy_urlpatterns

# Data-subject rights: everything held (page and download), erasure, history.
from . import subject_views  # noqa: E402

urlpatterns += [
    path("people/<int:pk>/data/", subject_views.person_data, name="data"),
    path("people/<int:pk>/data.json", subject_views.person_data_json, name="data-json"),
    path("people/<int:pk>/erase/", subject_views.person_erase, name="erase"),
    path("people/<int:pk>/history/", subject_views.person_history, name="history"),
]

# Duplicates: compare two records of one person side by side and merge them.
from . import merge_views  # noqa: E402

urlpatterns += [path("people/<int:pk>/merge/", merge_views.person_merge, name="merge")]
