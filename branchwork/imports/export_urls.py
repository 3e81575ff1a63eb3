"""Export pages (namespace ``exports``)."""

from django.urls import path

from . import export_views

app_name = "exports"

urlpatterns = [
    path("exports/", export_views.export_list, name="list"),
    path("exports/new/", export_views.export_new, name="new"),
    path("exports/<int:pk>/", export_views.export_job, name="job"),
    path("exports/<int:pk>/status/", export_views.export_status, name="status"),
    path("exports/<int:pk>/download/", export_views.export_download, name="download"),
]
