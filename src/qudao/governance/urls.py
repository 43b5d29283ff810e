from django.urls import path

from qudao.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.RiskFlagListView.as_view(), name="flag_list"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/<slug:rule_id>/", views.rule_edit, name="rule_edit"),
    path("rules/<slug:rule_id>/preview/", views.rule_preview, name="rule_preview"),
    path("plans/", views.ImprovementPlanListView.as_view(), name="plan_list"),
    path("plans/add/", views.plan_add, name="plan_add"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("violations/", views.ViolationListView.as_view(), name="violation_list"),
    path("violations/breakdown/", views.violation_breakdown, name="violation_breakdown"),
    path("violations/<int:pk>/", views.violation_detail, name="violation_detail"),
    path(
        "violations/<int:pk>/comments/<int:comment_pk>/file",
        views.violation_attachment,
        name="violation_attachment",
    ),
    path("partners/", views.RiskDashboardView.as_view(), name="risk_dashboard"),
    path("partners/refresh/", views.risk_refresh, name="risk_refresh"),
    path("alerts/<int:pk>/seen/", views.risk_alert_seen, name="risk_alert_seen"),
    path("complaints/", views.ComplaintListView.as_view(), name="complaint_list"),
    path("complaints/add/", views.ComplaintEditView.as_view(), name="complaint_add"),
    path("complaints/<int:pk>/", views.ComplaintEditView.as_view(), name="complaint_edit"),
    path("compliance/", views.ComplianceItemListView.as_view(), name="compliance_list"),
    path("compliance/add/", views.ComplianceItemEditView.as_view(), name="compliance_add"),
    path("compliance/<int:pk>/", views.ComplianceItemEditView.as_view(), name="compliance_edit"),
]
