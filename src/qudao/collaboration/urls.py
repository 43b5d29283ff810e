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
]
