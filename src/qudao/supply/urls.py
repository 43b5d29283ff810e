from django.urls import path

from qudao.supply import views

app_name = "supply"
urlpatterns = [
    path("", views.SupplyAlertListView.as_view(), name="alert_list"),
    path("<int:pk>/", views.alert_detail, name="alert_detail"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("positions/", views.SupplyPositionListView.as_view(), name="position_list"),
    path("checks/", views.SupplyCheckListView.as_view(), name="check_list"),
    path("checks/run/", views.check_run, name="check_run"),
    path("checks/<int:pk>/", views.check_detail, name="check_detail"),
    path("thresholds/", views.SupplyThresholdListView.as_view(), name="threshold_list"),
    path("thresholds/add/", views.SupplyThresholdEditView.as_view(), name="threshold_add"),
    path(
        "thresholds/<int:pk>/edit/",
        views.SupplyThresholdEditView.as_view(),
        name="threshold_edit",
    ),
    path("thresholds/<int:pk>/delete/", views.threshold_delete_view, name="threshold_delete"),
]
