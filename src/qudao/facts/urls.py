from django.urls import path

from qudao.facts import views

app_name = "facts"
urlpatterns = [
    path("", views.BatchListView.as_view(), name="batch_list"),
    path("upload/", views.upload, name="upload"),
    path("calendar/", views.submission_calendar, name="calendar"),
    path("upload/preview/", views.preview, name="preview"),
    path("mappings/", views.SavedMappingListView.as_view(), name="mapping_list"),
    path("mappings/add/", views.SavedMappingEditView.as_view(), name="mapping_add"),
    path("mappings/<int:pk>/edit/", views.SavedMappingEditView.as_view(), name="mapping_edit"),
    path("master/", views.MasterImportListView.as_view(), name="master_import_list"),
    path("master/new/", views.master_import_new, name="master_import_new"),
    path("master/preview/", views.master_import_preview, name="master_import_preview"),
    path("master/<int:pk>/", views.master_import_detail, name="master_import_detail"),
    path("master/<int:pk>/commit/", views.master_import_commit_view, name="master_import_commit"),
    path("master/<int:pk>/undo/", views.master_import_undo_view, name="master_import_undo"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/errors.<str:fmt>", views.batch_report, name="batch_report"),
    path("<int:pk>/revert/", views.batch_revert_view, name="batch_revert"),
]
