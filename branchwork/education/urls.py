from django.urls import path

from . import views

app_name = "education"

urlpatterns = [
    path("schools/", views.school_list, name="schools"),
    path("schools/<str:code>/", views.school_detail, name="school"),
    path("schools/<str:code>/level/", views.school_level, name="school-level"),
    path("units/<str:code>/pupils/", views.unit_pupils, name="unit-pupils"),
    path("people/<int:pk>/enrol/", views.person_enrol, name="person-enrol"),
    path("enrolments/<int:pk>/leave/", views.enrolment_leave, name="enrolment-leave"),
]
