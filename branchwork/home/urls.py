from django.urls import path

from . import views

app_name = "home"

urlpatterns = [
    path("", views.my_work, name="my-work"),
    path("healthz", views.healthz, name="healthz"),
]
