from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("units/<str:service_tag>/eligibility/", views.unit_eligibility, name="unit_eligibility"),
]
