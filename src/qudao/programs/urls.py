from django.urls import path

from qudao.programs import views

app_name = "programs"
urlpatterns = [
    path("programs/", views.ProgramListView.as_view(), name="program_list"),
    path("programs/add/", views.program_add, name="program_add"),
    path("programs/load/", views.program_load, name="program_load"),
    path("programs/<int:pk>/", views.program_detail, name="program"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/action/", views.version_action, name="version_action"),
    path("versions/<int:pk>/new/", views.program_add, name="version_add"),
    path("versions/<int:pk>/simulate/", views.version_simulate, name="simulate"),
    path("settlements/", views.SettlementListView.as_view(), name="settlement_list"),
    path("settlements/settle/", views.settlement_create, name="settle"),
    path("settlements/jobs/<int:pk>/", views.settlement_job_detail, name="settle_job"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement"),
    path("settlements/<int:pk>/approve/", views.settlement_approve_view, name="settlement_approve"),
    path("statements/", views.StatementListView.as_view(), name="statement_list"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path(
        "statements/<int:pk>/lines/<int:line_pk>.<str:fmt>",
        views.statement_line_lines,
        name="statement_lines",
    ),
    path("funds/", views.FundListView.as_view(), name="fund_list"),
    path("funds/add/", views.FundEditView.as_view(), name="fund_add"),
    path("funds/<int:pk>/", views.fund_detail, name="fund"),
    path("funds/<int:pk>/edit/", views.FundEditView.as_view(), name="fund_edit"),
    path("mdf/", views.MdfRequestListView.as_view(), name="mdf_list"),
    path("mdf/add/", views.mdf_request_add, name="mdf_add"),
    path("mdf/<int:pk>/", views.mdf_request_detail, name="mdf_request"),
    path("mdf/<int:pk>/proofs/<int:proof_pk>", views.mdf_proof, name="mdf_proof"),
    path("expenses/", views.ExpenseClaimListView.as_view(), name="expense_list"),
    path("expenses/add/", views.expense_add, name="expense_add"),
    path("expenses/<int:pk>/", views.expense_detail, name="expense"),
    path("mine/", views.partner_rebates, name="mine"),
    path("partners/<int:pk>/", views.partner_rebates, name="partner"),
]
