from django.urls import path

from partners.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_page, name="page"),
    path("<slug:key>.csv", views.report_csv, name="csv"),
]
