from django.urls import path

from qudao.collaboration import views

app_name = "collaboration"
urlpatterns = [
    path("", views.ActivityListView.as_view(), name="activity_list"),
    path("add/", views.ActivityEditView.as_view(), name="activity_add"),
    path("<int:pk>/", views.activity_detail, name="activity_detail"),
    path("<int:pk>/edit/", views.ActivityEditView.as_view(), name="activity_edit"),
    path("follow-ups/", views.FollowUpListView.as_view(), name="follow_up_list"),
    path("follow-ups/<int:pk>/done/", views.follow_up_close, name="follow_up_done"),
    path("overdue/", views.visits_overdue, name="visits_overdue"),
    path("frequency/", views.visit_frequency, name="visit_frequency"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("courses/", views.CourseListView.as_view(), name="course_list"),
    path("courses/add/", views.CourseEditView.as_view(), name="course_add"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", views.CourseEditView.as_view(), name="course_edit"),
    path(
        "courses/<int:pk>/materials/<int:material_pk>",
        views.course_material,
        name="course_material",
    ),
    path("sessions/add/", views.SessionEditView.as_view(), name="session_add"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.SessionEditView.as_view(), name="session_edit"),
    path("training-records/", views.EnrolmentListView.as_view(), name="enrolment_list"),
    path("requirements/", views.RequirementListView.as_view(), name="requirement_list"),
    path("requirements/add/", views.RequirementEditView.as_view(), name="requirement_add"),
    path(
        "requirements/<int:pk>/edit/", views.RequirementEditView.as_view(), name="requirement_edit"
    ),
    path("compliance/", views.training_compliance, name="training_compliance"),
    path("competitors/", views.CompetitorListView.as_view(), name="competitor_list"),
    path("competitors/add/", views.CompetitorEditView.as_view(), name="competitor_add"),
    path("competitors/<int:pk>/edit/", views.CompetitorEditView.as_view(), name="competitor_edit"),
    path("competitor-notes/", views.CompetitorNoteListView.as_view(), name="competitor_note_list"),
    path(
        "competitor-notes/add/",
        views.CompetitorNoteEditView.as_view(),
        name="competitor_note_add",
    ),
    path(
        "competitor-notes/<int:pk>/",
        views.CompetitorNoteEditView.as_view(),
        name="competitor_note_edit",
    ),
]
