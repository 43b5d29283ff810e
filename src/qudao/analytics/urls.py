from django.urls import path

from qudao.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.ReviewRunListView.as_view(), name="run_list"),
    path("run/", views.review_start, name="review_start"),
    path("<int:pk>/", views.run_detail, name="run_detail"),
    path("scorecards/", views.ScorecardListView.as_view(), name="scorecard_list"),
    path("kpis/", views.kpi_dictionary, name="kpi_list"),
]
