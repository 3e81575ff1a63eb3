from django.urls import path

from . import views

app_name = "congress"

urlpatterns = [
    path("congresses/", views.congress_list, name="list"),
    path("congresses/<int:pk>/", views.congress_detail, name="detail"),
    path("congresses/<int:pk>/quotas/", views.set_quotas, name="set-quotas"),
    path("congresses/<int:pk>/check-in/", views.check_in, name="check-in"),
    path("congresses/<int:pk>/check-in/<str:code>/", views.check_in, name="check-in-code"),
    path("congresses/<int:pk>/badges.pdf", views.badges, name="badges"),
    path("congresses/<int:pk>/polls/", views.polls, name="polls"),
    path("congresses/<int:pk>/vote/", views.vote_page, name="vote"),
    path("congresses/<int:pk>/live.json", views.live, name="live"),
    path("congresses/<int:pk>/projector/", views.projector, name="projector"),
    path("delegates/<int:pk>/credential/", views.credential, name="credential"),
    path("polls/<int:pk>/", views.poll_detail, name="poll"),
    path("polls/<int:pk>/vote/", views.vote, name="cast"),
    path("polls/<int:pk>/result/", views.published_poll, name="published"),
    path("polls/<int:pk>/<str:action>/", views.poll_action, name="poll-action"),
    path("pass/<str:code>/", views.voting_pass, name="pass"),
]
