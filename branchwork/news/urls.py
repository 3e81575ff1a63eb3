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
    path("units/<str:code>/newsletters/", views.unit_newsletters, name="unit-newsletters"),
    path("units/<str:code>/newsletters/new/", views.newsletter_create, name="newsletter-create"),
    path("newsletters/<int:pk>/", views.newsletter_detail, name="newsletter"),
    path("newsletters/<int:pk>/edit/", views.newsletter_edit, name="newsletter-edit"),
    path("newsletters/<int:pk>/progress/", views.newsletter_progress, name="newsletter-progress"),
    path("newsletters/<int:pk>/send/", views.newsletter_send, name="newsletter-send"),
    path("newsletters/<int:pk>/resume/", views.newsletter_resume, name="newsletter-resume"),
    # The link in every newsletter (no account needed).
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
