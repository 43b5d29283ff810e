from django.urls import path

from qudao.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.RiskFlagListView.as_view(), name="flag_list"),
    path("rules/", views.rule_list, name="rule_list"),
    path("plans/", views.ImprovementPlanListView.as_view(), name="plan_list"),
    path("plans/add/", views.plan_add, name="plan_add"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
]
