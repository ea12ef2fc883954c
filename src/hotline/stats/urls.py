from django.urls import path

from hotline.stats import views

app_name = "stats"

urlpatterns = [
    path("ranking/", views.ranking, name="ranking"),
    path("tickets/", views.drilldown, name="drilldown"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("calls/", views.call_figures, name="calls"),
    path("weights/", views.weights, name="weights"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_download, name="report_download"),
]
