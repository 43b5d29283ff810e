from django.urls import path

from qudao.territories import views

app_name = "territories"
urlpatterns = [
    path("", views.RegionListView.as_view(), name="region_list"),
    path("add/", views.RegionEditView.as_view(), name="region_add"),
    path("<int:pk>/", views.region_detail, name="region_detail"),
    path("<int:pk>/edit/", views.RegionEditView.as_view(), name="region_edit"),
    path("segments/", views.SegmentListView.as_view(), name="segment_list"),
    path("coverage/", views.coverage, name="coverage"),
]
