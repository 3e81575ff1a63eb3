from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("units/", views.unit_index, name="index"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("units/<str:code>/children/", views.unit_children, name="children"),
    path("units/<str:code>/new/", views.unit_create, name="create"),
    path("units/<str:code>/edit/", views.unit_edit, name="edit"),
    path("units/<str:code>/territory/add/", views.territory_add, name="territory-add"),
    path(
        "units/<str:code>/territory/<int:pk>/remove/",
        views.territory_remove,
        name="territory-remove",
    ),
    path("units/<str:code>/posts/add/", views.post_add, name="post-add"),
    path("units/<str:code>/officers/appoint/", views.appoint, name="appoint"),
    path("units/<str:code>/officers/<int:pk>/end/", views.term_end, name="term-end"),
    path("units/<str:code>/move/", views.move, name="move"),
    path("units/<str:code>/merge/", views.merge, name="merge"),
]
