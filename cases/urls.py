from django.urls import path

from cases import notification_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("queue/", views.triage_queue, name="queue"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/badge/", notification_views.notification_badge, name="notification_badge"),
    path("new/", views.case_create, name="create"),
    path("checklist/", views.checklist_preview, name="checklist"),
    path("unit-location/", views.unit_lookup, name="unit_lookup"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/edit/", views.case_edit, name="edit"),
    path("<str:number>/transition/", views.case_transition, name="transition"),
    path("<str:number>/comments/", views.case_comment, name="comment"),
    path("<str:number>/follow/", views.case_follow, name="follow"),
    path("<str:number>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<str:number>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
]
