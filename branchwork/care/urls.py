from django.urls import path

from . import sweep_views, views

app_name = "care"

urlpatterns = [
    path("units/<str:code>/cases/", views.unit_cases, name="unit-cases"),
    path("units/<str:code>/cases/new/", views.case_create, name="case-create"),
    path("units/<str:code>/offers/", views.unit_offers, name="unit-offers"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<str:action>/", views.case_action, name="case-action"),
    path("units/<str:code>/sweeps/", sweep_views.unit_sweeps, name="unit-sweeps"),
    path("sweeps/<int:pk>/", sweep_views.sweep_detail, name="sweep"),
    path("sweeps/<int:pk>/coverage/", sweep_views.sweep_coverage, name="sweep-coverage"),
    path("sweeps/<int:pk>/assign/", sweep_views.sweep_assign, name="sweep-assign"),
    path("sweeps/<int:pk>/close/", sweep_views.sweep_close, name="sweep-close"),
    path("sweeps/<int:pk>/mine/", sweep_views.my_list, name="my-list"),
    path("sweeps/<int:pk>/sheet.pdf", sweep_views.sweep_sheet, name="sweep-sheet"),
    path("sweeps/<int:pk>/ticks/", sweep_views.sweep_ticks, name="sweep-ticks"),
    path("sweeps/targets/<int:tid>/record/", sweep_views.record, name="sweep-record"),
]
