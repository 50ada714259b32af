from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("units/<str:service_tag>/eligibility/", views.unit_eligibility, name="unit_eligibility"),
    path("queue/", views.queue, name="queue"),
    path("cases/<str:number>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/site/", views.site, name="site"),
    path("<int:pk>/clearance/", views.clearance, name="clearance"),
    path("<int:pk>/parts/", views.part_add, name="part_add"),
    path("<int:pk>/parts/<int:part_id>/", views.part_update, name="part_update"),
    path("<int:pk>/fees/<int:fee_id>/waive/", views.fee_waive, name="fee_waive"),
    path("<int:pk>/note/", views.note, name="note"),
]
