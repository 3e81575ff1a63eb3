from django.urls import include, path

from branchwork.api.api import api

urlpatterns = [
    path("", include("branchwork.home.urls")),
    path("", include("branchwork.access.urls")),
    path("", include("branchwork.org.urls")),
    path("", include("branchwork.people.urls")),
    path("", include("branchwork.activities.urls")),
    path("", include("branchwork.news.urls")),
    path("", include("branchwork.care.urls")),
    path("", include("branchwork.education.urls")),
    path("", include("branchwork.money.urls")),
    path("", include("branchwork.health.urls")),
    path("", include("branchwork.congress.urls")),
    path("", include("branchwork.imports.export_urls")),
    path("", include("branchwork.imports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]

handler404 = "branchwork.core.views.not_found"
handler403 = "branchwork.core.views.forbidden"
