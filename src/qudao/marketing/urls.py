from django.urls import path

from qudao.marketing import views

app_name = "marketing"
urlpatterns = [
    path("", views.CampaignListView.as_view(), name="campaign_list"),
    path("add/", views.CampaignEditView.as_view(), name="campaign_add"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/edit/", views.CampaignEditView.as_view(), name="campaign_edit"),
    path("<int:pk>/results/", views.campaign_results_view, name="campaign_results"),
    path("<int:pk>/close/", views.campaign_close_view, name="campaign_close"),
]
