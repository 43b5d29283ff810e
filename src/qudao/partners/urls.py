from django.urls import path

from qudao.partners import views

app_name = "partners"
urlpatterns = [
    path("", views.PartnerListView.as_view(), name="partner_list"),
    path("add/", views.PartnerEditView.as_view(), name="partner_add"),
    path("<int:pk>/", views.partner_detail, name="partner_detail"),
    path("<int:pk>/edit/", views.PartnerEditView.as_view(), name="partner_edit"),
    path("<int:pk>/status/", views.partner_status, name="partner_status"),
    path("<int:partner_pk>/contacts/add/", views.ContactEditView.as_view(), name="contact_add"),
    path("contacts/<int:pk>/edit/", views.ContactEditView.as_view(), name="contact_edit"),
    path("<int:pk>/people/invite/", views.partner_user_invite_view, name="user_invite"),
    path("people/<int:pk>/deactivate/", views.partner_user_deactivate_view, name="user_deactivate"),
    path(
        "<int:partner_pk>/territories/add/",
        views.PartnerTerritoryEditView.as_view(),
        name="territory_add",
    ),
    path(
        "territories/<int:pk>/edit/",
        views.PartnerTerritoryEditView.as_view(),
        name="territory_edit",
    ),
    path("targets/", views.TargetListView.as_view(), name="target_list"),
    path("targets/add/", views.TargetEditView.as_view(), name="target_add"),
    path("targets/<int:pk>/edit/", views.TargetEditView.as_view(), name="target_edit"),
    path("agreements/", views.AgreementListView.as_view(), name="agreement_list"),
    path("agreements/add/", views.AgreementEditView.as_view(), name="agreement_add"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.AgreementEditView.as_view(), name="agreement_edit"),
    path("agreements/<int:pk>/files/<int:file_pk>", views.agreement_file, name="agreement_file"),
]
