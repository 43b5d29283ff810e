from django.urls import path

from qudao.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.FeedbackListView.as_view(), name="feedback_list"),
    path("add/", views.FeedbackEditView.as_view(), name="feedback_add"),
    path("trends/", views.feedback_trends, name="trends"),
    path("<int:pk>/", views.feedback_detail, name="feedback_detail"),
    path("<int:pk>/route/", views.feedback_route_view, name="feedback_route"),
    path("<int:pk>/decline/", views.feedback_decline_view, name="feedback_decline"),
    path("<int:pk>/answer/", views.feedback_answer_view, name="feedback_answer"),
    path("<int:pk>/files/<int:file_pk>", views.feedback_file, name="feedback_file"),
]
