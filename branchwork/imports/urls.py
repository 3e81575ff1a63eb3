from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.import_list, name="list"),
    path("imports/new/", views.import_new, name="new"),
    path("imports/<int:pk>/", views.import_detail, name="detail"),
    path("imports/<int:pk>/start/", views.import_start, name="start"),
    path("imports/<int:pk>/progress/", views.import_progress, name="progress"),
    path("imports/<int:pk>/report.csv", views.import_report, name="report"),
    path("imports/<int:pk>/issues/<int:issue_pk>/decide/", views.issue_decide, name="decide"),
]
