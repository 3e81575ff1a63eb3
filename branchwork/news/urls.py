from django.urls import path

from . import views
from .feeds import UnitNewsFeed

app_name = "news"

urlpatterns = [
    path("units/<str:code>/news/", views.unit_news, name="unit-news"),
    path("units/<str:code>/news/new/", views.bulletin_create, name="bulletin-create"),
    path("news/<int:pk>/", views.bulletin_detail, name="bulletin"),
    path("news/<int:pk>/edit/", views.bulletin_edit, name="bulletin-edit"),
    path("news/<int:pk>/withdraw/", views.bulletin_withdraw, name="bulletin-withdraw"),
    # The public door: a unit's public news, an item, and the Atom feed.
    path("n/<str:code>/", views.public_news, name="public-news"),
    path("n/<str:code>/<int:pk>/", views.public_bulletin, name="public-bulletin"),
    path("n/<str:code>/atom.xml", UnitNewsFeed(), name="atom"),
]
