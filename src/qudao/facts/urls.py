from django.urls import path

from qudao.facts import views

app_name = "facts"
urlpatterns = [
    path("", views.BatchListView.as_view(), name="batch_list"),
    path("upload/", views.upload, name="upload"),
    path("upload/preview/", views.preview, name="preview"),
    path("mappings/", views.SavedMappingListView.as_view(), name="mapping_list"),
    path("mappings/add/", views.SavedMappingEditView.as_view(), name="mapping_add"),
    path("mappings/<int:pk>/edit/", views.SavedMappingEditView.as_view(), name="mapping_edit"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/errors.<str:fmt>", views.batch_report, name="batch_report"),
    path("<int:pk>/revert/", views.batch_revert_view, name="batch_revert"),
]
