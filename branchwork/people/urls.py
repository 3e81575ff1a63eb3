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
