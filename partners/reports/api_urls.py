from django.urls import path

from partners.reports import api

urlpatterns = [
    path("reports/", api.ReportView.as_view(), name="reports"),
    path("reports/<slug:key>/", api.ReportFigureView.as_view(), name="report-figure"),
]
