from django.urls import path

from qudao.deals import views

app_name = "deals"
urlpatterns = [
    path("", views.DealListView.as_view(), name="deal_list"),
    path("add/", views.DealEditView.as_view(), name="deal_add"),
    path("<int:pk>/", views.deal_detail, name="deal_detail"),
    path("<int:pk>/edit/", views.DealEditView.as_view(), name="deal_edit"),
    path("<int:pk>/decide/", views.deal_decide, name="deal_decide"),
    path("<int:pk>/extend/", views.deal_extend_view, name="deal_extend"),
    path("<int:pk>/close/", views.deal_close_view, name="deal_close"),
    path("conflicts/", views.ConflictListView.as_view(), name="conflict_list"),
    path("accounts/", views.DirectAccountListView.as_view(), name="account_list"),
    path("accounts/add/", views.DirectAccountEditView.as_view(), name="account_add"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", views.DirectAccountEditView.as_view(), name="account_edit"),
]
