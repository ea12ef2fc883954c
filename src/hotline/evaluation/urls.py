from django.urls import path

from hotline.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/open/", views.round_create, name="round_create"),
    path("standards/load/", views.standard_load, name="standard_load"),
    path("rounds/<int:round_id>/", views.round_page, name="round"),
    path("rounds/<int:round_id>/report.pdf", views.round_report, name="report"),
    path("rounds/<int:round_id>/formal-date/", views.formal_date, name="formal_date"),
    path("rounds/<int:round_id>/stages/<int:step>/", views.stage_update, name="stage"),
    path("rounds/<int:round_id>/scores/", views.score, name="score"),
    path("rounds/<int:round_id>/evidence/", views.evidence_add, name="evidence_add"),
    path("rounds/<int:round_id>/deductions/", views.deduction_add, name="deduction_add"),
    path(
        "rounds/<int:round_id>/rectifications/",
        views.rectification_open,
        name="rectification_open",
    ),
    path("rounds/<int:round_id>/finish/", views.round_finish, name="finish"),
    path("rectifications/<int:item_id>/done/", views.rectification_done, name="rectification_done"),
    path(
        "rectifications/<int:item_id>/close/",
        views.rectification_close,
        name="rectification_close",
    ),
    path("evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
    path("centres/<int:unit_id>/trend/", views.trend, name="trend"),
]
