from django.urls import path

from qudao.facts import views

app_name = "facts"
urlpatterns = [
    path("", views.BatchListView.as_view(), name="batch_list"),
    path("upload/", views.upload, name="upload"),
    path("upload/preview/", views.preview, name="preview"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/errors.<str:fmt>", views.batch_report, name="batch_report"),
    path("<int:pk>/revert/", views.batch_revert_view, name="batch_revert"),
]
