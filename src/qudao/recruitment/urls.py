from django.urls import path

from qudao.recruitment import views

app_name = "recruitment"
urlpatterns = [
    path("", views.ApplicantListView.as_view(), name="applicant_list"),
    path("add/", views.ApplicantEditView.as_view(), name="applicant_add"),
    path("funnel/", views.funnel, name="funnel"),
    path("thresholds/", views.entry_model_list, name="entry_model_list"),
    path("thresholds/<int:channel_model_pk>/", views.entry_model_edit, name="entry_model_edit"),
    path("pilots/", views.PilotListView.as_view(), name="pilot_list"),
    path("pilots/add/", views.PilotEditView.as_view(), name="pilot_add"),
    path("pilots/<int:pk>/", views.pilot_detail, name="pilot_detail"),
    path("pilots/<int:pk>/edit/", views.PilotEditView.as_view(), name="pilot_edit"),
    path("<int:pk>/", views.applicant_detail, name="applicant_detail"),
    path("<int:pk>/edit/", views.ApplicantEditView.as_view(), name="applicant_edit"),
    path("<int:pk>/stage/", views.applicant_stage, name="applicant_stage"),
    path("<int:pk>/score/", views.applicant_score, name="applicant_score"),
    path("<int:pk>/sign/", views.applicant_sign_view, name="applicant_sign"),
    path("<int:pk>/documents/", views.applicant_documents, name="applicant_documents"),
    path(
        "<int:pk>/documents/<int:document_pk>",
        views.applicant_document,
        name="applicant_document",
    ),
]
