from django.urls import path

from qudao.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.ReviewRunListView.as_view(), name="run_list"),
    path("run/", views.review_start, name="review_start"),
    path("<int:pk>/", views.run_detail, name="run_detail"),
    path("<int:pk>/rerun/", views.run_rerun, name="run_rerun"),
    path("scorecards/", views.ScorecardListView.as_view(), name="scorecard_list"),
    path("overview/", views.overview, name="overview"),
    path("partner/<int:pk>/", views.partner_scorecard, name="partner_scorecard"),
    path("kpis/", views.kpi_dictionary, name="kpi_list"),
    path("grading/", views.grading, name="grading"),
    path("grading/preview/", views.grading_preview, name="grading_preview"),
    path("proposals/", views.GradeProposalListView.as_view(), name="proposal_list"),
    path("proposals/decide-all/", views.proposal_decide_all, name="proposal_decide_all"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
]
