from django.urls import path

from . import plan_views, views

app_name = "health"

urlpatterns = [
    path("units/<str:code>/health/", views.unit_health, name="unit"),
    path("units/<str:code>/health/chart.<str:fmt>", views.chart, name="chart"),
    path("health/map/", views.region_map, name="map"),
    path("health/weights/", views.weights, name="weights"),
    path("units/<str:code>/plans/", plan_views.unit_plans, name="unit-plans"),
    path("units/<str:code>/plans/new/", plan_views.plan_new, name="plan-new"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:pk>/close/", plan_views.plan_close, name="plan-close"),
]
