from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("households/<int:pk>/contacts/", views.household_contacts, name="household-contacts"),
    path("units/<str:code>/quiet/", views.quiet_households, name="quiet-households"),
    path("contacts/<int:pk>/done/", views.follow_up_done, name="follow-up-done"),
    path("units/<str:code>/participation/", views.participation, name="participation"),
    path("units/<str:code>/life-events/", views.life_events, name="life-events"),
    path("units/<str:code>/activity/", views.activity, name="activity"),
]

from . import event_views  # noqa: E402

urlpatterns += [
    path("units/<str:code>/events/", event_views.unit_events, name="unit-events"),
    path("units/<str:code>/events/new/", event_views.event_create, name="event-create"),
    path("events/<int:pk>/", event_views.event_detail, name="event"),
    path("events/<int:pk>/check-in/", event_views.check_in, name="check-in"),
    path(
        "events/<int:pk>/registrations/<int:rid>/cancel/",
        event_views.registration_cancel,
        name="registration-cancel",
    ),
    path(
        "events/<int:pk>/registrations/<int:rid>/qr.svg",
        event_views.registration_qr,
        name="registration-qr",
    ),
]

urlpatterns += [
    path("units/<str:code>/events.ics", event_views.public_unit_feed, name="public-unit-feed"),
    path("calendar/", event_views.calendar_links, name="calendars"),
    path("calendar/<str:key>/units/<str:code>.ics", event_views.unit_feed, name="unit-feed"),
    path("calendar/<str:key>/people/<int:pk>.ics", event_views.person_feed, name="person-feed"),
]

urlpatterns += [path("e/<str:key>/", event_views.public_event, name="public-event")]

urlpatterns += [
    path("events/<int:pk>/attendance/", event_views.attendance, name="attendance"),
    path("events/<int:pk>/attendance.pdf", event_views.attendance_sheet, name="attendance-sheet"),
]

urlpatterns += [path("events/<int:pk>/counts/", event_views.event_counts, name="counts")]

from . import partner_views  # noqa: E402

urlpatterns += [
    path("units/<str:code>/partners/", partner_views.unit_partners, name="unit-partners"),
    path("units/<str:code>/partners/new/", partner_views.partner_create, name="partner-create"),
    path("partners/<int:pk>/", partner_views.partner_detail, name="partner"),
    path("partners/<int:pk>/edit/", partner_views.partner_edit, name="partner-edit"),
    path(
        "partners/<int:pk>/contacts/<int:cid>/remove/",
        partner_views.partner_contact_remove,
        name="partner-contact-remove",
    ),
]
