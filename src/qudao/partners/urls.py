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
]
