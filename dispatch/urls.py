from django.urls import path

from dispatch import coverage_views, views

app_name = "dispatch"

urlpatterns = [
    path("units/<str:service_tag>/eligibility/", views.unit_eligibility, name="unit_eligibility"),
    path("queue/", views.queue, name="queue"),
    path("schedule/", views.schedule, name="schedule"),
    path("coverage/", coverage_views.coverage_page, name="coverage"),
    path("coverage/add/", coverage_views.coverage_add, name="coverage_add"),
    path("coverage/overrides/", coverage_views.override_add, name="override_add"),
    path("coverage/overrides/<int:pk>/", coverage_views.override_edit, name="override_edit"),
    path("coverage/overrides/<int:pk>/delete/", coverage_views.override_delete, name="override_delete"),
    path("coverage/<str:country>/", coverage_views.coverage_edit, name="coverage_edit"),
    path("cases/<str:number>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/visit-check/", views.visit_check, name="visit_check"),
    path("<int:pk>/site/", views.site, name="site"),
    path("<int:pk>/clearance/", views.clearance, name="clearance"),
    path("<int:pk>/parts/", views.part_add, name="part_add"),
    path("<int:pk>/parts/<int:part_id>/", views.part_update, name="part_update"),
    path("<int:pk>/fees/<int:fee_id>/waive/", views.fee_waive, name="fee_waive"),
    path("<int:pk>/note/", views.note, name="note"),
]
