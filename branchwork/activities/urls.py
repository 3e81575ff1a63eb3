from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("households/<int:pk>/contacts/", views.household_contacts, name="household-contacts"),
    path("units/<str:code>/quiet/", views.quiet_households, name="quiet-households"),
    path("contacts/<int:pk>/done/", views.follow_up_done, name="follow-up-done"),
]
