from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("units/<str:code>/cases/", views.unit_cases, name="unit-cases"),
    path("units/<str:code>/cases/new/", views.case_create, name="case-create"),
    path("units/<str:code>/offers/", views.unit_offers, name="unit-offers"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<str:action>/", views.case_action, name="case-action"),
]
