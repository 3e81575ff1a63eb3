from django.urls import path

from . import views

app_name = "health"

urlpatterns = [
    path("units/<str:code>/health/", views.unit_health, name="unit"),
]
