from django.urls import path

from . import session_views, views

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
    path("congresses/<int:pk>/agenda/", session_views.agenda, name="agenda"),
    path("congresses/<int:pk>/speak/", session_views.ask_to_speak, name="speak"),
    path("congresses/<int:pk>/propose/", session_views.phone_motion, name="phone-motion"),
    path("congresses/<int:pk>/motions/", session_views.motions, name="motions"),
    path("congresses/<int:pk>/elections/", session_views.elections, name="elections"),
    path("congresses/<int:pk>/resolutions/", session_views.resolutions, name="resolutions"),
    path(
        "congresses/<int:pk>/resolutions.pdf",
        session_views.resolutions_pdf,
        name="resolutions-pdf",
    ),
    path("congresses/<int:pk>/minutes.pdf", session_views.minutes_pdf, name="minutes-pdf"),
    path("agenda-items/<int:pk>/papers/", session_views.item_document, name="item-document"),
    path("agenda-items/<int:pk>/<str:action>/", session_views.item_action, name="item-action"),
    path("papers/<int:pk>/", session_views.document, name="document"),
    path("speakers/<int:pk>/<str:action>/", session_views.speaker_action, name="speaker"),
    path("motions/<int:pk>/", session_views.motion_detail, name="motion"),
    path("motions/<int:pk>/state/", session_views.motion_state, name="motion-state"),
    path("motions/<int:pk>/poll/", session_views.motion_poll, name="motion-poll"),
]
